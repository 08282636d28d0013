using ScottPlot;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// The benchmark's pictures, one colour per reward model, lines = mean over seeds, shaded = ± std over
/// seeds: gold and proxy reward against KL for RL and for Best-of-N (Gao et al.'s picture: proxy keeps
/// rising while gold turns over), length against RL step, gold lost past the peak, and all six as one
/// summary figure.
/// </summary>
public static class BenchmarkPlots
{
    public const int PanelWidth = 620, PanelHeight = 420;

    public enum Optimizer { Rl, BestOfN }

    public static Plot RewardVsKl(IReadOnlyList<BenchmarkRun> runs, IReadOnlyList<string> rewardModels, Optimizer optimizer, bool gold)
    {
        var plot = new Plot();
        int window = optimizer == Optimizer.Rl ? RunFigures.RlWindow : 1;
        foreach (var (rm, color) in Colored(rewardModels))
        {
            var curves = runs.Where(r => r.RewardModel == rm).Select(r => optimizer == Optimizer.Rl ? r.Rl : r.BestOfN).ToArray();
            var band = SeedBands.AgainstKl(curves, c => gold ? c.Gold : c.Proxy, window, shiftToStart: !gold);
            AddBand(plot, band, color, rm);
        }
        string what = optimizer == Optimizer.Rl ? "RL (RLOO)" : "Best-of-N";
        plot.Title(gold ? $"{what}: gold reward" : $"{what}: proxy reward − initial");
        plot.XLabel(optimizer == Optimizer.Rl ? $"KL to SFT (nats, smoothed over {RunFigures.RlWindow} steps)" : "KL of best-of-n, ln n − (n−1)/n (nats)");
        plot.YLabel(gold ? "gold reward" : "proxy − proxy at start");
        return plot;
    }

    public static Plot LengthVsStep(IReadOnlyList<BenchmarkRun> runs, IReadOnlyList<string> rewardModels)
    {
        var plot = new Plot();
        foreach (var (rm, color) in Colored(rewardModels))
            AddBand(plot, SeedBands.AgainstStep(runs.Where(r => r.RewardModel == rm).Select(r => r.Rl).ToArray(), c => c.Length, RunFigures.RlWindow), color, rm);
        plot.Title("RL: response length");
        plot.XLabel("RL step");
        plot.YLabel("length (tokens)");
        return plot;
    }

    /// <summary>How far gold fell from its smoothed peak by the end of RL, per reward model (mean ± std over seeds).</summary>
    public static Plot GoldDrop(IReadOnlyList<RewardModelSummary> summaries)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var bars = summaries.Select((s, i) => new Bar
        {
            Position = i, Value = s.Rl.GoldDrop.Mean, Error = double.IsNaN(s.Rl.GoldDrop.Std) ? 0 : s.Rl.GoldDrop.Std,
            FillColor = palette.GetColor(i),
        }).ToArray();
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks(summaries.Select((_, i) => (double)i).ToArray(), summaries.Select(s => s.RewardModel).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = -30;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        var threshold = plot.Add.HorizontalLine(RunFigures.MinGoldDrop);
        threshold.LinePattern = LinePattern.Dashed;
        threshold.LegendText = "over-optimization threshold";
        plot.Title("RL: gold lost past its peak (lower resists)");
        plot.YLabel("smoothed peak gold − final gold");
        return plot;
    }

    /// <summary>RL gold, RL proxy, length | Best-of-N gold, Best-of-N proxy, gold lost past the peak.</summary>
    public static IReadOnlyList<Plot> Summary(IReadOnlyList<BenchmarkRun> runs, IReadOnlyList<RewardModelSummary> summaries)
    {
        var rms = summaries.Select(s => s.RewardModel).ToArray();
        var panels = new List<Plot>
        {
            RewardVsKl(runs, rms, Optimizer.Rl, gold: true), RewardVsKl(runs, rms, Optimizer.Rl, gold: false), LengthVsStep(runs, rms),
            RewardVsKl(runs, rms, Optimizer.BestOfN, gold: true), RewardVsKl(runs, rms, Optimizer.BestOfN, gold: false), GoldDrop(summaries),
        };
        panels[0].ShowLegend(Alignment.LowerLeft);
        return panels;
    }

    static IEnumerable<(string Rm, Color Color)> Colored(IReadOnlyList<string> rewardModels)
    {
        var palette = new ScottPlot.Palettes.Category10();
        return rewardModels.Select((rm, i) => (rm, palette.GetColor(i)));
    }

    static void AddBand(Plot plot, SeedBand band, Color color, string label)
    {
        var shown = Enumerable.Range(0, band.X.Length).Where(i => !double.IsNaN(band.Mean[i])).ToArray();
        if (shown.Length == 0) return;
        var spread = shown.Where(i => !double.IsNaN(band.Low[i])).ToArray();
        if (spread.Length > 1)
        {
            var fill = plot.Add.FillY(spread.Select(i => band.X[i]).ToArray(), spread.Select(i => band.Low[i]).ToArray(), spread.Select(i => band.High[i]).ToArray());
            fill.FillColor = color.WithAlpha(0.2);
            fill.LineWidth = 0;
        }
        var line = plot.Add.ScatterLine(shown.Select(i => band.X[i]).ToArray(), shown.Select(i => band.Mean[i]).ToArray(), color);
        line.LineWidth = 2;
        line.LegendText = label;
    }
}
