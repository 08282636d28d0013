using System.Globalization;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// What `rlhf run` reports (and writes with --json): the run's final results (gold before/after, win
/// rate, LC win rate, lengths in tokens and characters, KL) and its reward model's eval-set accuracies.
/// </summary>
public sealed record RunSummary(string RunId, string Name, string Experiment, string Status, string? Error, double WallSeconds,
    IReadOnlyDictionary<string, double> Results, IReadOnlyDictionary<string, double> RewardModelEval, string RunStore, string Checkpoints)
{
    public static async Task<RunSummary> LoadAsync(IRunStore runs, string runId, RunStatus status, TimeSpan wall, string outDirectory, CancellationToken ct)
    {
        var record = await runs.GetRunAsync(runId, ct) ?? throw new RunNotFoundException(runId);
        var results = (await runs.GetResultsAsync(runId, ct)).ToDictionary(r => r.Key, r => r.Value);
        var rmEval = (await runs.GetMetricsAsync(runId, null, ct))
            .Where(m => m.Name.StartsWith("rm/eval/", StringComparison.Ordinal) || m.Name == "rm/heldout_accuracy")
            .GroupBy(m => m.Name).ToDictionary(g => g.Key, g => g.Last().Value);
        return new RunSummary(runId, record.Name, record.Experiment, status.ToWire(), record.Error, wall.TotalSeconds, results, rmEval,
            Path.Combine(outDirectory, "runs.db"), Path.Combine(outDirectory, "checkpoints"));
    }

    public static void Print(RunSummary summary)
    {
        string R(string key, string format) => summary.Results.TryGetValue(key, out double v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        var table = new Table().Title($"run {Markup.Escape(summary.RunId)} ({Markup.Escape(summary.Status)})")
            .AddColumns("", "reference (SFT)", "after RL");
        table.AddRow("gold reward", R("gold_reward_before", "F3"), R("gold_reward_after", "F3"));
        table.AddRow("length (tokens)", R("length_before", "F1"), R("length_after", "F1"));
        table.AddRow("length (characters)", R("length_chars_before", "F1"), R("length_chars_after", "F1"));
        table.AddRow("win rate vs SFT", "", R("win_rate", "P1"));
        table.AddRow("LC win rate", "", R("lc_win_rate", "P1"));
        table.AddRow("KL to SFT", "", R("kl", "F3"));
        table.AddRow("proxy reward", "", R("proxy_reward_after", "F3"));
        foreach (var (name, value) in summary.RewardModelEval.Where(e => e.Key.EndsWith("accuracy", StringComparison.Ordinal)).OrderBy(e => e.Key, StringComparer.Ordinal))
            table.AddRow($"RM {Markup.Escape(name["rm/".Length..])}", "", value.ToString("P1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote: run store {Markup.Escape(summary.RunStore)}, checkpoints {Markup.Escape(summary.Checkpoints)}");
        AnsiConsole.MarkupLine($"wall time {summary.WallSeconds:F1} s");
    }
}
