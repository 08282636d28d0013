using System.Diagnostics;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Bench;

/// <summary>What `rlhf bench loop` measured: the same RLOO steps through the grains and as direct calls in one process.</summary>
public sealed record LoopBenchmarkReport(
    int Steps, int PromptsPerStep, int SamplesPerPrompt, int MaxNewTokens,
    IReadOnlyList<LoopTiming> Loops, IReadOnlyList<RolloutThroughput> Rollouts);

/// <summary>
/// One run's RL steps through the grains with a checkpoint every <paramref name="CheckpointEvery"/> steps, and
/// the direct loop timed right after it; OverheadRatio = grains / direct − 1.
/// </summary>
public sealed record LoopTiming(int CheckpointEvery, int CommittedPolicyVersions, double GrainsMsPerStep, double DirectMsPerStep,
    double OverheadRatio, double FinalKlGrains, double FinalKlDirect, bool SameMetrics);

/// <summary>
/// The orchestration overhead of an RL step: a run's policy stage through the grains (rollouts,
/// scoring and update as grain calls, metrics to the run store, each new version copied into the
/// generator's model, a policy version and its trainer state committed to the checkpoint store every
/// rl.checkpointEvery steps), against the same steps as direct calls on one in-memory policy. Two
/// runs: one committing every <see cref="SparseCheckpoints"/> steps, one committing every step, each
/// followed by its direct twin so the pair sees the same machine. All start from the first run's
/// committed SFT policy and reward model, with the same seeds, so their metrics must agree; the ratio
/// is grains / direct − 1, per step after the first (steady state; one-off loading is left out). Then the rollout throughput
/// of the run's generator grains on its SFT policy: one generator on a silo that runs one heavy job at
/// a time (all cores), and 1, 2 and 4 generators on a silo that runs two at once (half the cores each).
/// </summary>
public static class LoopBenchmark
{
    /// <summary>The checkpoint interval of the first run: TRL's and OpenRLHF's save_steps, in spirit.</summary>
    public const int SparseCheckpoints = 10;

    public static async Task<LoopBenchmarkReport> RunAsync(int steps, string workDirectory, Action<string> progress, CancellationToken ct)
    {
        var spec = Spec(steps, SparseCheckpoints);
        var request = ThroughputRequest(spec);
        GrainLoop loop;
        RolloutBatch oneGenerator;
        var rollouts = new List<RolloutThroughput>();
        var loops = new List<LoopTiming>();
        await using (var platform = await EmbeddedPlatform.StartAsync(workDirectory, ct))
        {
            loop = await GrainLoopAsync(spec, platform, progress, ct);
            loops.Add(await WithDirectTwinAsync(spec, loop, loop, platform.Compute, progress, ct));
            var everyStep = Spec(steps, 1);
            loops.Add(await WithDirectTwinAsync(everyStep, await GrainLoopAsync(everyStep, platform, progress, ct), loop, platform.Compute, progress, ct));
            progress("rollout throughput: 1 generator, one heavy job at a time");
            oneGenerator = await RolloutThroughputBenchmark.OneGeneratorAsync(platform, loop.RunId, request);
            rollouts.Add(await RolloutThroughputBenchmark.MeasureAsync(platform, loop.RunId, request, 1, oneGenerator, ct));
        }
        // The second silo opens the same stores, so the first is stopped before it starts.
        await using (var wide = await EmbeddedPlatform.StartAsync(workDirectory, ct, heavyJobsAtOnce: 2))
            foreach (int generators in new[] { 1, 2, 4 })
            {
                progress($"rollout throughput: {generators} generator(s), two heavy jobs at once");
                rollouts.Add(await RolloutThroughputBenchmark.MeasureAsync(wide, loop.RunId, request, generators, oneGenerator, ct));
            }
        return new LoopBenchmarkReport(steps, spec.Rl.PromptsPerStep, spec.Rl.SamplesPerPrompt, spec.Rl.MaxNewTokens, loops, rollouts);
    }

    /// <summary>
    /// The direct loop, from <paramref name="start"/>'s SFT policy and reward model, timed right after <paramref name="loop"/>,
    /// as one job of the silo's compute worker: the thread (and libtorch thread pool) the grains' jobs ran on.
    /// </summary>
    static async Task<LoopTiming> WithDirectTwinAsync(RunSpec spec, GrainLoop loop, GrainLoop start, ComputeQueue compute, Action<string> progress, CancellationToken ct)
    {
        progress($"direct: the same {spec.Rl.Steps} steps as in-process calls");
        var (directPerStep, directKl) = await compute.Run(() => Direct(spec, start.PolicyFolder, start.RewardFolder), ct);
        return new LoopTiming(spec.Rl.CheckpointEvery, loop.CommittedPolicyVersions, 1000 * loop.SecondsPerStep, 1000 * directPerStep,
            loop.SecondsPerStep / directPerStep - 1, loop.Kl[^1], directKl[^1], loop.Kl.SequenceEqual(directKl));
    }

    /// <summary>The run through the grains: its id, seconds per step after the first, KL per step, its committed SFT policy and reward model, and how many policy versions it committed.</summary>
    sealed record GrainLoop(string RunId, double SecondsPerStep, double[] Kl, string PolicyFolder, string RewardFolder, int CommittedPolicyVersions);

    static async Task<GrainLoop> GrainLoopAsync(RunSpec spec, EmbeddedPlatform platform, Action<string> progress, CancellationToken ct)
    {
        int steps = spec.Rl.Steps;
        progress($"through the grains: SFT, reward model, then {steps} RLOO steps, a checkpoint every {spec.Rl.CheckpointEvery}");
        var run = await platform.Submission.SubmitAsync(spec, ct);
        // Steady state: the time from the first committed step to the last, read off the driver's progress
        // (polled through the grain, as the demo does), so the stage's one-off loading is not counted per step.
        var driver = platform.Grains.GetGrain<IRunGrain>(run.RunId);
        var clock = Stopwatch.StartNew();
        (TimeSpan At, int Step)? first = null;
        TimeSpan? last = null; // the evaluation stage starts right after the last step's commit
        while (true)
        {
            var now = await driver.GetProgress();
            if (now.Stage == RunStage.Policy && now.Step >= 1) first ??= (clock.Elapsed, now.Step);
            if (now.Stage == RunStage.Evaluation) last ??= clock.Elapsed;
            if (now.Status.IsTerminal()) break;
            await Task.Delay(20, ct);
        }
        var ended = (await platform.RunStore.GetRunAsync(run.RunId, ct))!;
        if (ended.Status != RunStatus.Completed) throw new InvalidOperationException($"the benchmark run ended {ended.Status.ToWire()}: {ended.Error}");
        if (first is not { } seen || last is null || seen.Step >= steps)
            throw new InvalidOperationException("the progress poll saw too little of the RL steps to time them; use more --steps");
        var kl = (await platform.RunStore.GetMetricsAsync(run.RunId, "rl/kl", ct)).OrderBy(m => m.Step).Select(m => m.Value).ToArray();
        var checkpoints = await platform.RunStore.GetCheckpointsAsync(run.RunId, ct);
        return new GrainLoop(run.RunId, (last.Value - seen.At).TotalSeconds / (steps - seen.Step), kl,
            LocalFolder(checkpoints.Single(c => c.Kind == CheckpointKinds.Policy && c.Version == 0).Uri),
            LocalFolder(checkpoints.Single(c => c.Kind == CheckpointKinds.RewardModel(spec.RewardModel.Name)).Uri),
            checkpoints.Count(c => c.Kind == CheckpointKinds.Policy));
    }

    /// <summary>A step's worth of rollouts, larger than the loop's so that shards have work: 32 prompts × 4 samples from the SFT policy.</summary>
    static RolloutRequest ThroughputRequest(RunSpec spec)
    {
        using var environment = RunEnvironment.Create(spec);
        return new RolloutRequest(0, environment.TrainPrompts(32, spec.Seed, 1), spec.Rl.SamplesPerPrompt, spec.Rl.MaxNewTokens,
            spec.Rl.Temperature, SeedMix.Derive(spec.Seed, 1_000_001));
    }

    /// <summary>RunStages' step without grains or stores, seeded as PolicyTrainerGrain and RunStages seed it; seconds per step after the first.</summary>
    static (double SecondsPerStep, double[] Kl) Direct(RunSpec spec, string policyFolder, string rewardFolder)
    {
        using var environment = RunEnvironment.Create(spec);
        var judge = environment.Judge;
        using var policy = ModelCheckpoint.LoadCausalLm(policyFolder);
        using var reference = ModelCheckpoint.LoadCausalLm(policyFolder);
        reference.eval();
        using var rewardModel = RewardModelFolder.Load(rewardFolder);
        using var trainer = new RlooTrainer(policy, SpecMapping.Rloo(spec));
        var generation = new GenerationOptions { MaxNewTokens = spec.Rl.MaxNewTokens, Temperature = spec.Rl.Temperature };
        var kl = new double[spec.Rl.Steps];
        var clock = new Stopwatch();
        for (int version = 0; version < spec.Rl.Steps; version++)
        {
            if (version == 1) clock.Start();
            int step = version + 1;
            policy.eval();
            var rollouts = RolloutMaker.Make(policy, reference, environment.TrainPrompts(spec.Rl.PromptsPerStep, spec.Seed, step),
                spec.Rl.SamplesPerPrompt, generation, SeedMix.Derive(spec.Seed, 1_000_000 + step));
            float[] rewards = rewardModel.Score(rollouts.Prompts, rollouts.Responses);
            judge.ScoreInFullPrecision(rollouts.Prompts, rollouts.Responses);
            manual_seed(SeedMix.Derive(spec.Seed, PolicyTrainerGrain.RlUpdateSeedStream + version));
            kl[version] = trainer.Update(rollouts, rewards).Values["rl/kl"];
        }
        return (clock.Elapsed.TotalSeconds / (spec.Rl.Steps - 1), kl);
    }

    static string LocalFolder(string uri) => new Uri(uri).LocalPath;

    static RunSpec Spec(int steps, int checkpointEvery) => RunSpecParser.Parse($$"""
    {
      "name": "bench-loop-{{checkpointEvery}}", "experiment": "bench", "seed": 3,
      "task": { "targetLength": 8 },
      "policy": { "model": { "layers": 2, "dim": 64, "heads": 4, "maxSeqLen": 64 }, "sft": { "examples": 400, "steps": 20, "batchSize": 16 } },
      "rewardModel": { "pairs": 400, "epochs": 1, "model": { "layers": 2, "dim": 64, "heads": 4, "maxSeqLen": 64 } },
      "rl": { "steps": {{steps}}, "checkpointEvery": {{checkpointEvery}}, "promptsPerStep": 16, "samplesPerPrompt": 4, "maxNewTokens": 24 },
      "evaluation": { "prompts": 8, "maxNewTokens": 24, "bestOfN": 2, "bestOfNPrompts": 2 }
    }
    """);
}
