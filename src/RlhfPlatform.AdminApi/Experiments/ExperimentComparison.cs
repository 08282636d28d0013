using System.Text.Json;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi.Experiments;

/// <summary>One run of an experiment: its reward model and what RL against it did to the policy.</summary>
public sealed record ComparisonRow(
    string RunId, string RewardModel, string Objective, string Status,
    double? ProxyReward, double? GoldBefore, double? GoldAfter, double? LengthBefore, double? LengthAfter,
    double? WinRate, double? LcWinRate, double? Kl, bool? OverOptimized);

/// <summary>Per-step RL curve of one run: KL to the reference, proxy and gold reward of the rollouts.</summary>
public sealed record ComparisonCurve(string RunId, string RewardModel, double[] Steps, double[] Kl, double[] Proxy, double[] Gold);

/// <summary>Every run of an experiment side by side (BSR's table: length and win rate per reward model).</summary>
public sealed record ExperimentComparison(string Experiment, IReadOnlyList<ComparisonRow> Rows, IReadOnlyList<ComparisonCurve> Curves)
{
    public static async Task<ExperimentComparison> BuildAsync(IRunStore runs, string experiment, CancellationToken ct)
    {
        var records = (await runs.ListRunsAsync(experiment, ct)).OrderBy(r => r.CreatedAt).ToList();
        var rows = new List<ComparisonRow>();
        var curves = new List<ComparisonCurve>();
        foreach (var run in records)
        {
            var spec = JsonSerializer.Deserialize<RunSpec>(run.SpecJson, RunSpecParser.JsonOptions)!;
            var results = (await runs.GetResultsAsync(run.RunId, ct)).ToDictionary(r => r.Key, r => r.Value);
            double? Result(string key) => results.TryGetValue(key, out double v) ? v : null;
            rows.Add(new ComparisonRow(run.RunId, spec.RewardModel.Name, spec.RewardModel.Objective, run.Status.ToWire(),
                Result("proxy_reward_after"), Result("gold_reward_before"), Result("gold_reward_after"),
                Result("length_before"), Result("length_after"), Result("win_rate"), Result("lc_win_rate"), Result("kl"),
                Result("overoptimized") is { } flag ? flag > 0 : null));

            var metrics = await runs.GetMetricsAsync(run.RunId, null, ct);
            double[] Series(string name) => metrics.Where(m => m.Name == name).OrderBy(m => m.Step).Select(m => m.Value).ToArray();
            var steps = metrics.Where(m => m.Name == "rl/kl").OrderBy(m => m.Step).Select(m => (double)m.Step).ToArray();
            curves.Add(new ComparisonCurve(run.RunId, spec.RewardModel.Name, steps, Series("rl/kl"), Series("rl/proxy_reward"), Series("rl/gold_reward")));
        }
        return new ExperimentComparison(experiment, rows, curves);
    }
}
