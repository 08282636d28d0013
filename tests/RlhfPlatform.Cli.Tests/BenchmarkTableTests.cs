using RlhfPlatform.Cli.Demo;
using Spectre.Console;

namespace RlhfPlatform.Cli.Tests;

/// <summary>The demo's tables fit 80 columns with three seeds and the longest reward-model names, also when output is not a terminal.</summary>
public sealed class BenchmarkTableTests
{
    static RunFigures Figures(double shift) => new([1.4 + shift, 1.2 + shift, double.NaN, -0.35 - shift], 0.93 + shift, 1.5, 0.71 - shift, -0.123 + shift,
        8.25, 17.4, 0.431 + shift, 0.512, OverOptimized: shift > 0, GoldDrop: 0.6, ProxyRise: 0.2);

    static RewardModelSummary Summary(string name) => RewardModelSummary.Of(name,
        new[] { 1, 2, 3 }.Select(seed => new SeedFigures(seed, $"run-{seed}", "completed", Figures(seed / 10.0), Figures(-seed / 10.0))).ToArray());

    [Fact]
    public void EveryLineFitsEightyColumnsAndCellsKeepTheirNumbersWhole()
    {
        var summaries = new[] { "bt", "label-smoothing", "grm-dpo-noref" }.Select(Summary).ToArray();
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 80;
        foreach (var part in BenchmarkTable.Render(summaries, seeds: 3)) console.Write(part);
        string text = writer.ToString();
        var lines = text.Split('\n');
        Assert.All(lines, line => Assert.True(line.TrimEnd().Length <= 80, $"{line.TrimEnd().Length} columns: {line}"));
        // bt's gold at 1 nat over seeds 1.5, 1.6, 1.7: mean, ± std 0.1 and ± t(0.975, 2) · 0.1/√3 = 0.248, each on one line.
        Assert.Contains("1.600", text);
        Assert.Contains("±0.100", text);
        Assert.Contains("(±0.248)", text);
        Assert.Contains("3/3", text);
    }
}
