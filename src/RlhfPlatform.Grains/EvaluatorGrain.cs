using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Storage;
using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Grains.Placement;

namespace RlhfPlatform.Grains;

/// <summary>
/// Evaluates a policy version against the reference on held-out prompts, sampled and greedy: gold
/// reward (the environment's judge), proxy reward (the run's RM), length, win rate, length-controlled win
/// rate and KL to the reference.
/// </summary>
[HeavyWork]
public sealed class EvaluatorGrain(ComputeQueue compute, CheckpointFiles files, IRunStore runs, BestOfNSampleCache bestOfNSamples) : Grain, IEvaluatorGrain
{
    static readonly string Stage = RunStage.Evaluation.ToWire();
    readonly BackgroundJob<EvaluationReport> job = new();

    public Task Start(RunSpec spec, int policyVersion, int referenceVersion, CheckpointRef rewardModel)
    {
        job.Start(Stage, ct => EvaluateAsync(spec, policyVersion, referenceVersion, rewardModel, ct));
        return Task.CompletedTask;
    }

    public Task<EvaluationProgress> GetProgress() => Task.FromResult(BackgroundJobProgress.Of(job));

    public Task Cancel()
    {
        job.Cancel();
        return Task.CompletedTask;
    }

    async Task<EvaluationReport> EvaluateAsync(RunSpec spec, int policyVersion, int referenceVersion, CheckpointRef rewardModel, CancellationToken ct)
    {
        string runId = this.GetPrimaryKeyString();
        string device = compute.AssignDevice();
        using var policy = new LoadedPolicy(files, compute, runId, device);
        using var reference = new LoadedPolicy(files, compute, runId, device);
        var policyModel = await policy.GetAsync(policyVersion, ct);
        var referenceModel = await reference.GetAsync(referenceVersion, ct);
        using var proxy = await LoadedRewardSource.LoadAsync(files, compute, rewardModel, device, ct);
        using var environment = await compute.Run(() => RunEnvironment.Create(spec), ct);
        var gold = await StageException.InAsync($"{Stage} loading the {environment.Name} judge", () => compute.Run(() => environment.Judge, ct));
        var prompts = environment.EvalPrompts(spec.Evaluation.Prompts, spec.Seed);
        var options = new EvaluationOptions
        {
            Generation = new GenerationOptions { MaxNewTokens = spec.Evaluation.MaxNewTokens, Temperature = spec.Rl.Temperature },
            Seed = Training.SeedMix.Derive(spec.Seed, 40_000_000),
            Tokenizer = environment.Tokenizer,
        };

        int parts = spec.Evaluation.BestOfN > 0 ? 3 : 2;
        var sampled = await StageException.InAsync($"{Stage} of policy version {policyVersion} (sampled)",
            () => compute.RunInference(() => PolicyEvaluator.Evaluate(policyModel, referenceModel, prompts, gold, proxy, options), ct));
        job.Report(1, parts);
        var greedy = await StageException.InAsync($"{Stage} of policy version {policyVersion} (greedy)",
            () => compute.RunInference(() => PolicyEvaluator.Evaluate(policyModel, referenceModel, prompts, gold, proxy, options with { Greedy = true }), ct));
        job.Report(2, parts);
        var metrics = new Dictionary<string, double>(sampled.ToMetrics());
        foreach (var (name, value) in greedy.ToMetrics()) metrics[name] = value;
        await runs.RecordMetricsAsync(runId, RunMetrics.Points(policyVersion, metrics), ct);
        if (spec.Evaluation.BestOfN > 0)
        {
            await RecordBestOfNCurveAsync(runId, spec, referenceModel, referenceVersion, prompts, proxy, gold, options, ct);
            job.Report(3, parts);
        }
        return new EvaluationReport(policyVersion, sampled.GoldReward, sampled.ReferenceGoldReward, sampled.ProxyReward,
            sampled.Length.Mean, sampled.ReferenceLength.Mean, sampled.WinRates.WinRate, prompts.Length)
        {
            LcWinRate = sampled.WinRates.LengthControlledWinRate,
            KlToReference = sampled.KlToReference,
            GreedyGoldReward = greedy.GoldReward,
            GreedyWinRate = greedy.WinRates.WinRate,
            MeanLengthChars = sampled.LengthChars?.Mean ?? double.NaN,
            ReferenceMeanLengthChars = sampled.ReferenceLengthChars?.Mean ?? double.NaN,
        };
    }

    /// <summary>
    /// GRM's view of the proxy: best-of-n from the reference, proxy-selected and gold-judged, at analytic KL; metric step = n.
    /// bon/win_rate and bon/lc_win_rate (step N): the best of N against the other samples of its prompt.
    /// The samples come from the silo's <see cref="BestOfNSampleCache"/> when another run drew the same ones.
    /// </summary>
    async Task RecordBestOfNCurveAsync(string runId, RunSpec spec, Modeling.CausalLm reference, int referenceVersion, int[][] prompts,
        IRewardSource proxy, IRewardSource gold, EvaluationOptions options, CancellationToken ct)
    {
        var subset = prompts.Take(spec.Evaluation.BestOfNPrompts).ToArray();
        int n = spec.Evaluation.BestOfN;
        long seed = Training.SeedMix.Derive(spec.Seed, 50_000_000);
        string referenceFolder = await files.FetchAsync(runId, CheckpointKinds.Policy, referenceVersion, ct);
        string key = BestOfNSampleCache.Key(referenceFolder, subset, n, options.Generation.MaxNewTokens, options.Generation.Temperature, seed);
        var result = await StageException.InAsync($"{Stage} best-of-{n}", () => compute.RunInference(() =>
            BestOfN.Judge(subset, n, bestOfNSamples.GetOrDraw(key, () => BestOfN.Sample(reference, subset, n, options.Generation, seed)),
                reference.Config.EosTokenId, proxy, gold), ct));
        var points = result.Curve.SelectMany(p => new[]
        {
            new MetricPoint("bon/kl", p.N, p.Kl),
            new MetricPoint("bon/proxy_reward", p.N, p.ProxyReward),
            new MetricPoint("bon/gold_reward", p.N, p.GoldReward),
            new MetricPoint("bon/length_tokens", p.N, p.Length),
        }).ToList();
        if (result.WinRates is { } winRates)
        {
            points.Add(new MetricPoint("bon/win_rate", spec.Evaluation.BestOfN, winRates.WinRate));
            points.Add(new MetricPoint("bon/lc_win_rate", spec.Evaluation.BestOfN, winRates.LengthControlledWinRate));
        }
        await runs.RecordMetricsAsync(runId, points, ct);
    }
}
