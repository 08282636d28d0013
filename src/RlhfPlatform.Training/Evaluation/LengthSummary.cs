namespace RlhfPlatform.Training.Evaluation;

/// <summary>Mean and distribution of response lengths; quantiles by linear interpolation between order statistics.</summary>
public sealed record LengthSummary(double Mean, double Min, double P10, double P25, double Median, double P75, double P90, double Max)
{
    public static LengthSummary Of(IReadOnlyList<double> lengths)
    {
        if (lengths.Count == 0) throw new ArgumentException("no lengths");
        var sorted = lengths.Order().ToArray();
        return new LengthSummary(sorted.Average(), sorted[0], Quantile(sorted, 0.1), Quantile(sorted, 0.25), Quantile(sorted, 0.5),
            Quantile(sorted, 0.75), Quantile(sorted, 0.9), sorted[^1]);
    }

    /// <summary>Type 7 (numpy's default): position q·(n-1) in the sorted values.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        double position = q * (sorted.Count - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
