using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// A curve in optimization order: RL steps (X = policy version) or Best-of-N (X = n), with the KL to
/// the reference, gold and proxy reward, and response length in tokens at each point.
/// </summary>
public sealed record BenchmarkCurve(double[] X, double[] Kl, double[] Gold, double[] Proxy, double[] Length)
{
    public int Count => X.Length;
}

/// <summary>
/// One demo run (one reward model, one seed) as read back from the run store: its final results (plus
/// bon_win_rate and bon_lc_win_rate, the best of N against the reference's other samples) and both curves.
/// </summary>
public sealed record BenchmarkRun(string RunId, string RewardModel, int Seed, string Status,
    IReadOnlyDictionary<string, double> Results, BenchmarkCurve Rl, BenchmarkCurve BestOfN)
{
    public double Result(string key) => Results.TryGetValue(key, out double v) ? v : double.NaN;

    public static async Task<BenchmarkRun> LoadAsync(IRunStore runs, RunRecord record, RunSpec spec, CancellationToken ct)
    {
        var results = (await runs.GetResultsAsync(record.RunId, ct)).ToDictionary(r => r.Key, r => r.Value);
        var metrics = await runs.GetMetricsAsync(record.RunId, null, ct);
        var byName = metrics.GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.ToDictionary(m => m.Step, m => m.Value));
        foreach (string name in new[] { "bon/win_rate", "bon/lc_win_rate" })
            if (byName.TryGetValue(name, out var points)) results[name.Replace('/', '_')] = points[points.Keys.Max()];
        return new BenchmarkRun(record.RunId, spec.RewardModel.Name, spec.Seed, record.Status.ToWire(), results,
            Curve(byName, "rl", "length_tokens"), Curve(byName, "bon", "length_tokens"));
    }

    /// <summary>The points that have KL, gold and proxy, in step order; length NaN where it was not recorded.</summary>
    static BenchmarkCurve Curve(Dictionary<string, Dictionary<long, double>> byName, string prefix, string length)
    {
        var empty = new Dictionary<long, double>();
        var kl = byName.GetValueOrDefault($"{prefix}/kl", empty);
        var gold = byName.GetValueOrDefault($"{prefix}/gold_reward", empty);
        var proxy = byName.GetValueOrDefault($"{prefix}/proxy_reward", empty);
        var lengths = byName.GetValueOrDefault($"{prefix}/{length}", empty);
        var steps = kl.Keys.Where(s => gold.ContainsKey(s) && proxy.ContainsKey(s)).Order().ToArray();
        return new BenchmarkCurve(steps.Select(s => (double)s).ToArray(), steps.Select(s => kl[s]).ToArray(),
            steps.Select(s => gold[s]).ToArray(), steps.Select(s => proxy[s]).ToArray(),
            steps.Select(s => lengths.TryGetValue(s, out double l) ? l : double.NaN).ToArray());
    }
}
