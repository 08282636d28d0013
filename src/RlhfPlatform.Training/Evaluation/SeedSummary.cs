namespace RlhfPlatform.Training.Evaluation;

/// <summary>
/// One figure over seeds: mean, sample standard deviation (n - 1) and the 95% confidence interval of
/// the mean, mean ± t(0.975, n - 1) · std / √n (Student's t). NaN values (a seed where the figure is
/// missing, e.g. a KL budget it never reached) are left out and counted in <see cref="Missing"/>.
/// With one value the spread and the interval are NaN.
/// </summary>
public sealed record SeedSummary(int Count, int Missing, double Mean, double Std, double Low, double High)
{
    /// <summary>t(0.975, df) for df = 1..30; beyond that the normal quantile 1.960 is within 0.4%.</summary>
    static readonly double[] StudentT975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    public static double TQuantile975(int degreesOfFreedom) =>
        degreesOfFreedom < 1 ? throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "needs at least one degree of freedom")
        : degreesOfFreedom <= StudentT975.Length ? StudentT975[degreesOfFreedom - 1] : 1.960;

    public static SeedSummary Of(IEnumerable<double> values)
    {
        var all = values.ToArray();
        var present = all.Where(v => !double.IsNaN(v)).ToArray();
        int n = present.Length, missing = all.Length - n;
        if (n == 0) return new SeedSummary(0, missing, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = present.Average();
        if (n == 1) return new SeedSummary(1, missing, mean, double.NaN, double.NaN, double.NaN);
        double std = Math.Sqrt(present.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        double half = TQuantile975(n - 1) * std / Math.Sqrt(n);
        return new SeedSummary(n, missing, mean, std, mean - half, mean + half);
    }
}
