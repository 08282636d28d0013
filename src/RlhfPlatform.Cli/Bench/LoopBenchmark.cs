using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains;
using RlhfPlatform.Training;

namespace RlhfPlatform.Cli.Bench;

/// <summary>What `rlhf bench loop` measured: the same RLOO steps through the grains and as direct calls in one process.</summary>
public sealed record LoopBenchmarkReport(
    int Steps, string ModelSize, int Layers, int Dim, int PromptsPerStep, int SamplesPerPrompt, int MaxNewTokens,
    IReadOnlyList<LoopTiming> Loops, IReadOnlyList<RolloutThroughput> Rollouts);

/// <summary>
/// One run's RL steps 2 to the last through the grains, with a checkpoint every <paramref name="CheckpointEvery"/> steps,
/// and the same steps as direct calls run right after it, each split by phase (<see cref="StepTrace"/>).
/// </summary>
public sealed record LoopTiming(int CheckpointEvery, int CommittedPolicyVersions, StepBreakdown Grains, StepBreakdown Direct,
    double FinalKlGrains, double FinalKlDirect, bool SameMetrics)
{
    /// <summary>Mean step time through the grains / direct − 1: what the orchestration adds to a step.</summary>
    public double OverheadRatio => Grains.MeanMs / Direct.MeanMs - 1;
    /// <summary>The same with median step times.</summary>
    public double MedianOverheadRatio => Grains.MedianMs / Direct.MedianMs - 1;
    /// <summary>The compute worker's median idle time per step through the grains over the direct median step.</summary>
    public double IdleRatio => Grains.MedianIdleMs / Direct.MedianMs;
}

/// <summary>
/// The orchestration overhead of an RL step: a run's policy stage through the grains (rollouts,
/// scoring and update as grain calls, metrics to the run store, the generator sampling each new version
/// from the trainer's lent model, a policy version and its trainer state committed to the checkpoint store every
/// rl.checkpointEvery steps), against the same steps as direct calls on one in-memory policy
/// (<see cref="DirectLoop"/>), run right after it as one job of the same compute worker, from the run's
/// own committed SFT policy and reward model with its seeds, so their metrics must agree. Two runs: one
/// committing every <see cref="SparseCheckpoints"/> steps, one committing every step. Over steps 2 to the
/// last (the first loads the models): the ratio of mean step times, grains / direct − 1; the same for
/// median step times (this machine's slow spells hit single steps); and the compute worker's median idle
/// time per step through the grains, which does not depend on how fast the machine computes. Then the rollout throughput of the run's generator grains on its SFT policy: one
/// generator on a silo that runs one heavy job at a time (all cores), and 1, 2 and 4 generators on a
/// silo that runs two at once (half the cores each).
/// </summary>
public static class LoopBenchmark
{
    /// <summary>The checkpoint interval of the first run: TRL's and OpenRLHF's save_steps, in spirit.</summary>
    public const int SparseCheckpoints = 10;

    public static async Task<LoopBenchmarkReport> RunAsync(int steps, string size, int computeThreads, string workDirectory, Action<string> progress, CancellationToken ct)
    {
        if (!ModelSizes.ContainsKey(size)) throw new ArgumentException($"unknown model size '{size}' (one of: {string.Join(", ", ModelSizes.Keys)})");
        var spec = Spec(steps, SparseCheckpoints, size);
        var request = ThroughputRequest(spec);
        string firstRun;
        RolloutBatch oneGenerator;
        var rollouts = new List<RolloutThroughput>();
        var loops = new List<LoopTiming>();
        using var trace = new StepTrace();
        await using (var platform = await EmbeddedPlatform.StartAsync(workDirectory, ct, computeThreads))
        {
            var sparse = await WithDirectTwinAsync(spec, platform, trace, progress, ct);
            loops.Add(sparse.Timing);
            loops.Add((await WithDirectTwinAsync(Spec(steps, 1, size), platform, trace, progress, ct)).Timing);
            firstRun = sparse.RunId;
            progress("rollout throughput: 1 generator, one heavy job at a time");
            oneGenerator = await RolloutThroughputBenchmark.OneGeneratorAsync(platform, firstRun, request);
            rollouts.Add(await RolloutThroughputBenchmark.MeasureAsync(platform, firstRun, request, 1, oneGenerator, ct));
        }
        // The second silo opens the same stores, so the first is stopped before it starts.
        await using (var wide = await EmbeddedPlatform.StartAsync(workDirectory, ct, heavyJobsAtOnce: 2))
            foreach (int generators in new[] { 1, 2, 4 })
            {
                progress($"rollout throughput: {generators} generator(s), two heavy jobs at once");
                rollouts.Add(await RolloutThroughputBenchmark.MeasureAsync(wide, firstRun, request, generators, oneGenerator, ct));
            }
        var (layers, dim, _) = ModelSizes[size];
        return new LoopBenchmarkReport(steps, size, layers, dim, spec.Rl.PromptsPerStep, spec.Rl.SamplesPerPrompt, spec.Rl.MaxNewTokens, loops, rollouts);
    }

    /// <summary>A run through the grains (SFT, reward model, RL, evaluation), then its direct twin from the run's committed SFT policy and reward model.</summary>
    static async Task<(string RunId, LoopTiming Timing)> WithDirectTwinAsync(RunSpec spec, EmbeddedPlatform platform, StepTrace trace,
        Action<string> progress, CancellationToken ct)
    {
        int steps = spec.Rl.Steps;
        progress($"through the grains: SFT, reward model, then {steps} RLOO steps, a checkpoint every {spec.Rl.CheckpointEvery}");
        var run = await platform.Submission.SubmitAsync(spec, ct);
        var driver = platform.Grains.GetGrain<IRunGrain>(run.RunId);
        while (!(await driver.GetProgress()).Status.IsTerminal()) await Task.Delay(100, ct);
        var ended = (await platform.RunStore.GetRunAsync(run.RunId, ct))!;
        if (ended.Status != RunStatus.Completed) throw new InvalidOperationException($"the benchmark run ended {ended.Status.ToWire()}: {ended.Error}");
        var kl = (await platform.RunStore.GetMetricsAsync(run.RunId, "rl/kl", ct)).OrderBy(m => m.Step).Select(m => m.Value).ToArray();
        var checkpoints = await platform.RunStore.GetCheckpointsAsync(run.RunId, ct);
        string policy = LocalFolder(checkpoints.Single(c => c.Kind == CheckpointKinds.Policy && c.Version == 0).Uri);
        string reward = LocalFolder(checkpoints.Single(c => c.Kind == CheckpointKinds.RewardModel(spec.RewardModel.Name)).Uri);

        progress($"direct: the same {steps} steps as in-process calls");
        // One job of the silo's compute worker: the thread (and libtorch thread pool) the grains' jobs ran on.
        var (directKl, direct) = await platform.Compute.Run(() =>
        {
            using var twin = DirectLoop.Load(spec, policy, reward);
            return twin.Run(steps);
        }, ct);
        return (run.RunId, new LoopTiming(spec.Rl.CheckpointEvery, checkpoints.Count(c => c.Kind == CheckpointKinds.Policy),
            trace.Of(run.RunId, steps), direct, kl[^1], directKl[^1], kl.SequenceEqual(directKl)));
    }

    /// <summary>A step's worth of rollouts, larger than the loop's so that shards have work: 32 prompts × 4 samples from the SFT policy.</summary>
    static RolloutRequest ThroughputRequest(RunSpec spec)
    {
        using var environment = RunEnvironment.Create(spec);
        return new RolloutRequest(0, environment.TrainPrompts(32, spec.Seed, 1), spec.Rl.SamplesPerPrompt, spec.Rl.MaxNewTokens,
            spec.Rl.Temperature, SeedMix.Derive(spec.Seed, 1_000_001));
    }

    static string LocalFolder(string uri) => new Uri(uri).LocalPath;

    /// <summary>The policy and reward model of each --size: (layers, dim, heads).</summary>
    public static readonly IReadOnlyDictionary<string, (int Layers, int Dim, int Heads)> ModelSizes = new Dictionary<string, (int, int, int)>
    {
        ["small"] = (4, 256, 8), // about 3M parameters: steps of about 1.4 s on 2 cores, of the order of real ones
        ["tiny"] = (2, 64, 4),   // steps of about 0.12 s: where the orchestration's per-step costs weigh most
    };

    static RunSpec Spec(int steps, int checkpointEvery, string size)
    {
        var (layers, dim, heads) = ModelSizes[size];
        string model = $$"""{ "layers": {{layers}}, "dim": {{dim}}, "heads": {{heads}}, "maxSeqLen": 64 }""";
        return RunSpecParser.Parse($$"""
    {
      "name": "bench-loop-{{size}}-{{checkpointEvery}}", "experiment": "bench", "seed": 3,
      "task": { "targetLength": 8 },
      "policy": { "model": {{model}}, "sft": { "examples": 400, "steps": 20, "batchSize": 16 } },
      "rewardModel": { "pairs": 400, "epochs": 1, "model": {{model}} },
      "rl": { "steps": {{steps}}, "checkpointEvery": {{checkpointEvery}}, "promptsPerStep": 16, "samplesPerPrompt": 4, "maxNewTokens": 24 },
      "evaluation": { "prompts": 8, "maxNewTokens": 24, "bestOfN": 2, "bestOfNPrompts": 2 }
    }
    """);
    }
}
