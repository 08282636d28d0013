namespace RlhfPlatform.Training.Evaluation;

/// <summary>Mean, standard deviation (population) and skewness g1 = m3 / m2^(3/2) of a sample.</summary>
public sealed record DistributionStats(double Mean, double Std, double Skew)
{
    public static DistributionStats Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return new DistributionStats(double.NaN, double.NaN, double.NaN);
        double mean = values.Average();
        double m2 = values.Average(v => Math.Pow(v - mean, 2));
        double m3 = values.Average(v => Math.Pow(v - mean, 3));
        return new DistributionStats(mean, Math.Sqrt(m2), m2 == 0 ? 0 : m3 / Math.Pow(m2, 1.5));
    }
}
