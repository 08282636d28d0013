using ScottPlot;

namespace RlhfPlatform.AdminApi.Experiments;

/// <summary>
/// Gold and proxy reward of each RL step against KL to the reference, one colour per reward model
/// (filled: gold, open: proxy). Both are shifted to start at 0, as in GRM's plots, since proxy scales
/// differ per RM. Points, not lines: the per-step KL estimate is noisy, so step order zigzags in KL.
/// Over-optimization shows as open points that keep rising while the filled ones fall.
/// </summary>
public static class ComparisonPlot
{
    public const int Width = 900, Height = 560;

    public static string Svg(ExperimentComparison comparison, ComparisonPlotKind kind = ComparisonPlotKind.Rl) =>
        Build(comparison, kind).GetSvgXml(Width, Height);

    public static byte[] Png(ExperimentComparison comparison, ComparisonPlotKind kind = ComparisonPlotKind.Rl) =>
        Build(comparison, kind).GetImageBytes(Width, Height, ImageFormat.Png);

    static Plot Build(ExperimentComparison comparison, ComparisonPlotKind kind)
    {
        var curves = kind == ComparisonPlotKind.Rl ? comparison.Curves : comparison.BestOfNCurves;
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int index = 0;
        foreach (var curve in curves.Where(c => c.Kl.Length > 0))
        {
            var color = palette.GetColor(index++);
            int n = new[] { curve.Kl.Length, curve.Gold.Length, curve.Proxy.Length }.Min();
            double[] kl = curve.Kl[..n];
            var gold = plot.Add.ScatterPoints(kl, Shifted(curve.Gold[..n]));
            gold.Color = color;
            gold.MarkerShape = MarkerShape.FilledCircle;
            gold.MarkerSize = 7;
            gold.LegendText = $"{curve.RewardModel} gold";
            var proxy = plot.Add.ScatterPoints(kl, Shifted(curve.Proxy[..n]));
            proxy.Color = color;
            proxy.MarkerShape = MarkerShape.OpenCircle;
            proxy.MarkerSize = 7;
            proxy.LegendText = $"{curve.RewardModel} proxy";
        }
        plot.Title(kind == ComparisonPlotKind.Rl
            ? $"experiment {comparison.Experiment}: RL rollouts, reward vs KL"
            : $"experiment {comparison.Experiment}: best-of-n from the SFT policy, reward vs KL");
        plot.XLabel(kind == ComparisonPlotKind.Rl ? "KL to reference (nats, per-step sample estimate)" : "KL of best-of-n: ln n − (n−1)/n (nats)");
        plot.YLabel("reward − initial reward");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    static double[] Shifted(double[] values) => values.Length == 0 ? values : values.Select(v => v - values[0]).ToArray();
}

/// <summary>Which curves to draw: the RL steps, or the Best-of-N curve.</summary>
public enum ComparisonPlotKind { Rl, BestOfN }
