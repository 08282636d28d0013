using RlhfPlatform.Training.Evaluation;

namespace RlhfPlatform.Cli.Demo;

/// <summary>A curve over seeds on a shared X grid: the mean and mean ± std where at least two seeds reach X (NaN elsewhere).</summary>
public sealed record SeedBand(double[] X, double[] Mean, double[] Low, double[] High);

/// <summary>
/// Puts several seeds' curves on one grid: against KL (each seed's smoothed curve read at grid KLs with
/// <see cref="KlBudget"/>, so a seed only counts up to the KL it reached) or against step.
/// </summary>
public static class SeedBands
{
    public const int GridPoints = 80;

    /// <param name="shiftToStart">subtract each seed's smoothed value at its first point (proxy scales differ between reward models)</param>
    public static SeedBand AgainstKl(IReadOnlyList<BenchmarkCurve> seeds, Func<BenchmarkCurve, double[]> y, int window, bool shiftToStart)
    {
        var usable = seeds.Where(c => c.Count >= 2).ToArray();
        if (usable.Length == 0) return new SeedBand([], [], [], []);
        double maxKl = usable.Max(c => MovingAverage.Centred(c.Kl, window).Max());
        double minKl = usable.Min(c => MovingAverage.Centred(c.Kl, window)[0]);
        var grid = Enumerable.Range(0, GridPoints).Select(i => minKl + (maxKl - minKl) * i / (GridPoints - 1)).ToArray();
        var values = usable.Select(c =>
        {
            var ys = y(c);
            double shift = shiftToStart ? MovingAverage.Centred(ys, window)[0] : 0;
            return grid.Select(x => KlBudget.At(c.Kl, ys, x, window) - shift).ToArray();
        }).ToArray();
        return Band(grid, values);
    }

    /// <summary>Against step: seeds share their steps (the same RL recipe); each smoothed over <paramref name="window"/> steps.</summary>
    public static SeedBand AgainstStep(IReadOnlyList<BenchmarkCurve> seeds, Func<BenchmarkCurve, double[]> y, int window)
    {
        var usable = seeds.Where(c => c.Count >= 1).ToArray();
        if (usable.Length == 0) return new SeedBand([], [], [], []);
        int n = usable.Min(c => c.Count);
        var values = usable.Select(c => MovingAverage.Centred(y(c)[..n], window)).ToArray();
        return Band(usable[0].X[..n], values);
    }

    static SeedBand Band(double[] grid, double[][] values)
    {
        var summaries = grid.Select((_, i) => SeedSummary.Of(values.Select(v => v[i]))).ToArray();
        return new SeedBand(grid, summaries.Select(s => s.Mean).ToArray(),
            summaries.Select(s => s.Mean - s.Std).ToArray(), summaries.Select(s => s.Mean + s.Std).ToArray());
    }
}
