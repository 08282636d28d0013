namespace RlhfPlatform.Training.Rl;

public enum RewardNormalization
{
    None,
    /// <summary>Running mean and std over every score seen so far (this batch included).</summary>
    Running,
    /// <summary>Mean and std of the first batch, then kept fixed (what GRM did, METHODS.md).</summary>
    FirstBatch,
}

/// <summary>r' = (r - μ) / (σ + 1e-8), with μ, σ as the mode says. Running statistics merge batches exactly (Chan et al.).</summary>
public sealed class RewardNormalizer(RewardNormalization mode)
{
    const double Epsilon = 1e-8;
    long count;
    double mean, sumSquares;

    public double Mean => mean;
    public double Std => count > 1 ? Math.Sqrt(sumSquares / (count - 1)) : 1.0;

    public float[] Normalize(IReadOnlyList<float> rewards)
    {
        if (mode == RewardNormalization.None) return rewards.ToArray();
        if (mode == RewardNormalization.Running || count == 0) Observe(rewards);
        double std = Std;
        return rewards.Select(r => (float)((r - mean) / (std + Epsilon))).ToArray();
    }

    void Observe(IReadOnlyList<float> rewards)
    {
        long n = rewards.Count;
        if (n == 0) return;
        double batchMean = rewards.Average(r => (double)r);
        double batchSumSquares = rewards.Sum(r => (r - batchMean) * (r - batchMean));
        double delta = batchMean - mean;
        long total = count + n;
        mean += delta * n / total;
        sumSquares += batchSumSquares + delta * delta * count * n / total;
        count = total;
    }
}
