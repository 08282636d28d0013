using System.Globalization;
using RlhfPlatform.AdminApi.Experiments;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

public sealed record DemoPaths(string Out, string RunStore, string Checkpoints, string SftData, string PairData,
    string ComparisonJson, string ComparisonCsv, string PlotSvg, string PlotPng, string BestOfNPlotSvg, string BestOfNPlotPng);

/// <summary>What `rlhf demo --json FILE` writes.</summary>
public sealed record DemoJson(string Experiment, int Seed, bool Quick, double WallSeconds, IReadOnlyList<ComparisonRow> Rows, DemoPaths Paths);

public static class DemoOutput
{
    public static void Print(ExperimentComparison comparison, DemoPaths paths, TimeSpan wall)
    {
        var table = new Table().Title($"experiment {Markup.Escape(comparison.Experiment)}")
            .AddColumns("reward model", "proxy reward", "gold before", "gold after", "length before", "length after", "win rate vs SFT", "LC win rate", "KL", "over-optimized");
        foreach (var row in comparison.Rows)
            table.AddRow(Markup.Escape(row.RewardModel), F(row.ProxyReward, "F3"), F(row.GoldBefore, "F3"), F(row.GoldAfter, "F3"),
                F(row.LengthBefore, "F1"), F(row.LengthAfter, "F1"), F(row.WinRate, "P1"), F(row.LcWinRate, "P1"), F(row.Kl, "F2"),
                row.OverOptimized switch { true => "yes", false => "no", null => "–" });
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote: run store {Markup.Escape(paths.RunStore)}");
        AnsiConsole.MarkupLine($"       checkpoints {Markup.Escape(paths.Checkpoints)}");
        AnsiConsole.MarkupLine($"       data {Markup.Escape(paths.SftData)}, {Markup.Escape(paths.PairData)}");
        AnsiConsole.MarkupLine($"       comparison {Markup.Escape(paths.ComparisonJson)}, {Markup.Escape(paths.ComparisonCsv)}");
        AnsiConsole.MarkupLine($"       plots {Markup.Escape(paths.PlotSvg)}, {Markup.Escape(paths.BestOfNPlotSvg)} (and .png)");
        AnsiConsole.MarkupLine($"wall time {wall.TotalSeconds:F1} s");
    }

    static string F(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "–";
}
