namespace RlhfPlatform.Training.Rl;

public enum RewardNormalization
{
    None,
    /// <summary>Running mean and std over every score seen so far (this batch included).</summary>
    Running,
    /// <summary>Mean and std of the first batch, then kept fixed (what GRM did, METHODS.md).</summary>
    FirstBatch,
}

/// <summary>
/// r' = (r - μ) / σ, with μ, σ as the mode says. Running statistics merge batches exactly (Chan et al.).
/// A σ below <see cref="StdFloor"/> (a constant batch, or a single score) is replaced by 1, so the
/// scores are only centred: dividing by a near-zero σ would blow float noise up into huge rewards.
/// </summary>
public sealed class RewardNormalizer(RewardNormalization mode)
{
    /// <summary>Smallest σ divided by; rewards are O(1), so anything below this is rounding noise.</summary>
    public const double StdFloor = 1e-6;
    long count;
    double mean, sumSquares;

    public double Mean => mean;
    /// <summary>The sample std (n - 1) of the scores seen, or 1 when it is below <see cref="StdFloor"/> or undefined.</summary>
    public double Std
    {
        get
        {
            double std = count > 1 ? Math.Sqrt(sumSquares / (count - 1)) : 0;
            return std < StdFloor ? 1.0 : std;
        }
    }

    public float[] Normalize(IReadOnlyList<float> rewards)
    {
        if (mode == RewardNormalization.None) return rewards.ToArray();
        if (mode == RewardNormalization.Running || count == 0) Observe(rewards);
        double std = Std;
        return rewards.Select(r => (float)((r - mean) / std)).ToArray();
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

    /// <summary>The running moments, for a resumed trainer.</summary>
    public sealed record State(long Count, double Mean, double SumSquares);

    public State Save() => new(count, mean, sumSquares);

    public void Restore(State state)
    {
        if (state.Count < 0 || !double.IsFinite(state.Mean) || !(state.SumSquares >= 0) || double.IsInfinity(state.SumSquares))
            throw new InvalidDataException($"invalid saved reward-normalizer moments (count {state.Count}, mean {state.Mean}, sum of squares {state.SumSquares})");
        (count, mean, sumSquares) = (state.Count, state.Mean, state.SumSquares);
    }
}
