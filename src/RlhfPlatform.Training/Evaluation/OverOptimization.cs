namespace RlhfPlatform.Training.Evaluation;

/// <summary>One point of a training or BoN curve: X is the KL to the reference (or the step).</summary>
public sealed record CurvePoint(double X, double Proxy, double Gold);

public sealed record OverOptimizationReport(
    bool OverOptimized, double PeakX, double PeakGold, double FinalGold, double GoldDrop, double ProxyRiseAfterPeak, string Explanation);

/// <summary>
/// Over-optimization, defined on the curve sorted by X and smoothed by a centred moving average of
/// <c>window</c> points (shrinking at the ends): let X* be the first point where the smoothed gold
/// reward is highest (the gold peak). The curve is over-optimized when X* is not the last point and,
/// from X* to the last point, the smoothed gold falls by at least <c>minGoldDrop</c> while the
/// smoothed proxy rises by at least <c>minProxyRise</c>: the proxy kept rising while gold fell past X*.
/// </summary>
public static class OverOptimization
{
    /// <summary>The platform's verdict on an RL run: per-step curves smoothed over this many steps.</summary>
    public const int RlWindow = 9;

    /// <summary>The platform's verdict: gold must fall at least this far past its smoothed peak (gold spans about -1 to 2 on the synthetic task).</summary>
    public const double MinGoldDrop = 0.1;

    public static OverOptimizationReport Detect(IReadOnlyList<CurvePoint> curve, double minGoldDrop, double minProxyRise, int window = 1)
    {
        if (curve.Count < 2) throw new ArgumentException("over-optimization needs at least two points");
        if (window < 1 || window % 2 == 0) throw new ArgumentException($"smoothing window must be odd and positive (got {window})");
        var sorted = curve.OrderBy(p => p.X).ToArray();
        var gold = MovingAverage.Centred(sorted.Select(p => p.Gold).ToArray(), window);
        var proxy = MovingAverage.Centred(sorted.Select(p => p.Proxy).ToArray(), window);
        int peak = 0;
        for (int i = 1; i < gold.Length; i++) if (gold[i] > gold[peak]) peak = i;
        double drop = gold[peak] - gold[^1];
        double rise = proxy[^1] - proxy[peak];
        bool over = peak < gold.Length - 1 && drop >= minGoldDrop && rise >= minProxyRise;
        string explanation = over
            ? $"gold peaked at X = {sorted[peak].X:G4} ({gold[peak]:F3}) and fell by {drop:F3} while the proxy rose by {rise:F3}"
            : peak == gold.Length - 1
                ? $"gold is highest at the last point (X = {sorted[peak].X:G4})"
                : $"past the gold peak at X = {sorted[peak].X:G4}, gold fell by {drop:F3} (needs {minGoldDrop}) and the proxy rose by {rise:F3} (needs {minProxyRise})";
        return new OverOptimizationReport(over, sorted[peak].X, gold[peak], gold[^1], drop, rise, explanation);
    }
}
