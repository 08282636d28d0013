using RlhfPlatform.AdminApi.Experiments;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

public sealed record DemoPaths(string Out, string RunStore, string Checkpoints, string SftData, string PairData,
    string ComparisonJson, string ComparisonCsv, string BenchmarkCsv, string BenchmarkSummaryCsv,
    string PlotSvg, string PlotPng, string BestOfNPlotSvg, string BestOfNPlotPng, string LengthPlotSvg, string LengthPlotPng,
    string SummarySvg, string SummaryPng);

/// <summary>
/// What `rlhf demo --json FILE` writes: the comparison rows of every run, and per reward model every
/// seed's figures with the summary over seeds.
/// </summary>
public sealed record DemoJson(string Experiment, int[] Seeds, bool Quick, double WallSeconds, double[] KlBudgets,
    IReadOnlyList<ComparisonRow> Rows, IReadOnlyList<RewardModelSummary> RewardModels, DemoPaths Paths);

public static class DemoOutput
{
    public static void Print(string experiment, IReadOnlyList<RewardModelSummary> summaries, int seeds, DemoPaths paths, TimeSpan wall)
    {
        AnsiConsole.MarkupLine($"[bold]experiment {Markup.Escape(experiment)}[/]");
        foreach (var part in BenchmarkTable.Render(summaries, seeds)) AnsiConsole.Write(part);
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLine($"summary figure: {Markup.Escape(paths.SummarySvg)} (and .png)");
        AnsiConsole.MarkupLine($"wrote: run store {Markup.Escape(paths.RunStore)}");
        AnsiConsole.MarkupLine($"       checkpoints {Markup.Escape(paths.Checkpoints)}");
        AnsiConsole.MarkupLine($"       data {Markup.Escape(paths.SftData)}, {Markup.Escape(paths.PairData)}");
        AnsiConsole.MarkupLine($"       benchmark {Markup.Escape(paths.BenchmarkCsv)}, {Markup.Escape(paths.BenchmarkSummaryCsv)}");
        AnsiConsole.MarkupLine($"       comparison {Markup.Escape(paths.ComparisonJson)}, {Markup.Escape(paths.ComparisonCsv)}");
        AnsiConsole.MarkupLine($"       plots {Markup.Escape(paths.PlotSvg)}, {Markup.Escape(paths.BestOfNPlotSvg)}, {Markup.Escape(paths.LengthPlotSvg)} (and .png)");
        AnsiConsole.MarkupLine($"wall time {wall.TotalSeconds:F1} s");
    }
}
