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
    double GrainsSeconds, double DirectSeconds, double GrainsMsPerStep, double DirectMsPerStep,
    double OverheadRatio, double FinalKlGrains, double FinalKlDirect, bool SameMetrics);

/// <summary>
/// The orchestration overhead of an RL step: a run's policy stage through the grains (rollouts,
/// scoring and update as grain calls, metrics to the run store, the policy version and trainer state
/// committed to the checkpoint store, the generator reloading each version), against the same steps
/// as direct calls on one in-memory policy. Both start from the run's committed SFT policy and reward
/// model, with the same seeds, so their metrics must agree; the ratio is grains / direct − 1.
/// </summary>
public static class LoopBenchmark
{
    public static async Task<LoopBenchmarkReport> RunAsync(int steps, string workDirectory, Action<string> progress, CancellationToken ct)
    {
        var spec = Spec(steps);
        await using var platform = await EmbeddedPlatform.StartAsync(workDirectory, ct);
        progress($"through the grains: SFT, reward model, then {steps} RLOO steps");
        var run = await platform.Submission.SubmitAsync(spec, ct);
        RunRecord ended;
        while (true)
        {
            ended = (await platform.RunStore.GetRunAsync(run.RunId, ct))!;
            if (ended.Status.IsTerminal()) break;
            await Task.Delay(100, ct);
        }
        if (ended.Status != RunStatus.Completed) throw new InvalidOperationException($"the benchmark run ended {ended.Status.ToWire()}: {ended.Error}");
        var events = await platform.RunStore.GetEventsAsync(run.RunId, ct);
        var policyStart = events.First(e => e.Message == "entered stage policy").At;
        var policyEnd = events.First(e => e.Message == "entered stage evaluation").At;
        double grainsSeconds = (policyEnd - policyStart).TotalSeconds;
        var metrics = await platform.RunStore.GetMetricsAsync(run.RunId, "rl/kl", ct);
        var checkpoints = await platform.RunStore.GetCheckpointsAsync(run.RunId, ct);
        string policyFolder = LocalFolder(checkpoints.Single(c => c.Kind == CheckpointKinds.Policy && c.Version == 0).Uri);
        string rewardFolder = LocalFolder(checkpoints.Single(c => c.Kind == CheckpointKinds.RewardModel(spec.RewardModel.Name)).Uri);

        progress($"direct: the same {steps} steps as in-process calls");
        var (directSeconds, directKl) = await Task.Run(() => Direct(spec, policyFolder, rewardFolder, platform.Settings.ComputeThreads), ct);
        double grainsKl = metrics.OrderBy(m => m.Step).Last().Value;
        bool same = metrics.OrderBy(m => m.Step).Select(m => m.Value).SequenceEqual(directKl);
        return new LoopBenchmarkReport(steps, spec.Rl.PromptsPerStep, spec.Rl.SamplesPerPrompt, spec.Rl.MaxNewTokens,
            grainsSeconds, directSeconds, 1000 * grainsSeconds / steps, 1000 * directSeconds / steps,
            grainsSeconds / directSeconds - 1, grainsKl, directKl[^1], same);
    }

    /// <summary>RunStages' step without grains or stores, seeded as PolicyTrainerGrain and RunStages seed it.</summary>
    static (double Seconds, double[] Kl) Direct(RunSpec spec, string policyFolder, string rewardFolder, int threads)
    {
        if (threads > 0) set_num_threads(threads);
        using var environment = RunEnvironment.Create(spec);
        var judge = environment.Judge;
        using var policy = ModelCheckpoint.LoadCausalLm(policyFolder);
        using var reference = ModelCheckpoint.LoadCausalLm(policyFolder);
        reference.eval();
        using var rewardModel = RewardModelFolder.Load(rewardFolder);
        using var trainer = new RlooTrainer(policy, SpecMapping.Rloo(spec));
        var generation = new GenerationOptions { MaxNewTokens = spec.Rl.MaxNewTokens, Temperature = spec.Rl.Temperature };
        var kl = new double[spec.Rl.Steps];
        var clock = Stopwatch.StartNew();
        for (int version = 0; version < spec.Rl.Steps; version++)
        {
            int step = version + 1;
            policy.eval();
            var rollouts = RolloutMaker.Make(policy, reference, environment.TrainPrompts(spec.Rl.PromptsPerStep, spec.Seed, step),
                spec.Rl.SamplesPerPrompt, generation, SeedMix.Derive(spec.Seed, 1_000_000 + step));
            float[] rewards = rewardModel.Score(rollouts.Prompts, rollouts.Responses);
            judge.ScoreInFullPrecision(rollouts.Prompts, rollouts.Responses);
            manual_seed(SeedMix.Derive(spec.Seed, PolicyTrainerGrain.RlUpdateSeedStream + version));
            kl[version] = trainer.Update(rollouts, rewards).Values["rl/kl"];
        }
        return (clock.Elapsed.TotalSeconds, kl);
    }

    static string LocalFolder(string uri) => new Uri(uri).LocalPath;

    static RunSpec Spec(int steps) => RunSpecParser.Parse($$"""
    {
      "name": "bench-loop", "experiment": "bench", "seed": 3,
      "task": { "targetLength": 8 },
      "policy": { "model": { "layers": 2, "dim": 64, "heads": 4, "maxSeqLen": 64 }, "sft": { "examples": 400, "steps": 20, "batchSize": 16 } },
      "rewardModel": { "pairs": 400, "epochs": 1, "model": { "layers": 2, "dim": 64, "heads": 4, "maxSeqLen": 64 } },
      "rl": { "steps": {{steps}}, "promptsPerStep": 16, "samplesPerPrompt": 4, "maxNewTokens": 24 },
      "evaluation": { "prompts": 8, "maxNewTokens": 24, "bestOfN": 2, "bestOfNPrompts": 2 }
    }
    """);
}
