using System.Text.Json;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi.Experiments;

/// <summary>One run of an experiment: its reward model and what RL against it did to the policy.</summary>
public sealed record ComparisonRow(
    string RunId, string RewardModel, string Objective, string Status,
    double? ProxyReward, double? GoldBefore, double? GoldAfter, double? LengthBefore, double? LengthAfter,
    double? WinRate, double? LcWinRate, double? Kl, bool? OverOptimized, int Seed);

/// <summary>
/// A curve of one run: for RL, per step, the KL to the reference and the proxy and gold reward of the
/// rollouts; for Best-of-N, per n, the analytic KL and the proxy and gold reward of the proxy-argmax.
/// </summary>
public sealed record ComparisonCurve(string RunId, string RewardModel, double[] Steps, double[] Kl, double[] Proxy, double[] Gold);

/// <summary>Every run of an experiment side by side (BSR's table: length and win rate per reward model).</summary>
public sealed record ExperimentComparison(string Experiment, IReadOnlyList<ComparisonRow> Rows,
    IReadOnlyList<ComparisonCurve> Curves, IReadOnlyList<ComparisonCurve> BestOfNCurves,
    IReadOnlyList<SeedAggregate> Aggregates)
{
    public static async Task<ExperimentComparison> BuildAsync(IRunStore runs, string experiment, CancellationToken ct)
    {
        var records = (await runs.ListRunsAsync(experiment, ct)).OrderBy(r => r.CreatedAt).ToList();
        var rows = new List<ComparisonRow>();
        var curves = new List<ComparisonCurve>();
        var bestOfN = new List<ComparisonCurve>();
        foreach (var run in records)
        {
            var spec = JsonSerializer.Deserialize<RunSpec>(run.SpecJson, RunSpecParser.JsonOptions)!;
            var results = (await runs.GetResultsAsync(run.RunId, ct)).ToDictionary(r => r.Key, r => r.Value);
            double? Result(string key) => results.TryGetValue(key, out double v) ? v : null;
            rows.Add(new ComparisonRow(run.RunId, spec.RewardModel.Name, spec.RewardModel.Objective, run.Status.ToWire(),
                Result("proxy_reward_after"), Result("gold_reward_before"), Result("gold_reward_after"),
                Result("length_before"), Result("length_after"), Result("win_rate"), Result("lc_win_rate"), Result("kl"),
                Result("overoptimized") is { } flag ? flag > 0 : null, spec.Seed));

            var metrics = await runs.GetMetricsAsync(run.RunId, null, ct);
            curves.Add(Curve(run.RunId, spec.RewardModel.Name, metrics, "rl"));
            bestOfN.Add(Curve(run.RunId, spec.RewardModel.Name, metrics, "bon"));
        }
        return new ExperimentComparison(experiment, rows, curves, bestOfN, SeedAggregate.Of(rows));
    }

    static ComparisonCurve Curve(string runId, string rewardModel, IReadOnlyList<MetricPoint> metrics, string prefix)
    {
        double[] Series(string name) => metrics.Where(m => m.Name == $"{prefix}/{name}").OrderBy(m => m.Step).Select(m => m.Value).ToArray();
        var steps = metrics.Where(m => m.Name == $"{prefix}/kl").OrderBy(m => m.Step).Select(m => (double)m.Step).ToArray();
        return new ComparisonCurve(runId, rewardModel, steps, Series("kl"), Series("proxy_reward"), Series("gold_reward"));
    }
}
