namespace RlhfPlatform.Training.Evaluation;

/// <summary>
/// A reward at a fixed KL budget, read off a curve in optimization order (RL steps, or n of Best-of-N):
/// KL and the reward are each smoothed by a centred moving average of <c>window</c> points, then the
/// reward is linearly interpolated at the first segment where the smoothed KL reaches the budget.
/// NaN when the smoothed curve never reaches the budget (or starts above it), so runs are compared
/// only where they really spent that much KL.
/// </summary>
public static class KlBudget
{
    public static double At(IReadOnlyList<double> kl, IReadOnlyList<double> reward, double budget, int window = 1)
    {
        if (kl.Count != reward.Count) throw new ArgumentException($"{kl.Count} KL values for {reward.Count} rewards");
        if (kl.Count == 0) return double.NaN;
        var x = MovingAverage.Centred(kl, window);
        var y = MovingAverage.Centred(reward, window);
        if (x[0] > budget) return double.NaN;
        if (x[0] == budget) return y[0];
        for (int i = 1; i < x.Length; i++)
        {
            if (x[i] < budget) continue;
            double t = (budget - x[i - 1]) / (x[i] - x[i - 1]);
            return y[i - 1] + t * (y[i] - y[i - 1]);
        }
        return double.NaN;
    }

    /// <summary>The reward at each budget (NaN where the curve does not reach it).</summary>
    public static double[] At(IReadOnlyList<double> kl, IReadOnlyList<double> reward, IReadOnlyList<double> budgets, int window = 1) =>
        budgets.Select(b => At(kl, reward, b, window)).ToArray();
}
