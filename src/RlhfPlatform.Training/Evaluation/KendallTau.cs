namespace RlhfPlatform.Training.Evaluation;

/// <summary>
/// Kendall's τ-b between predicted and gold scores of one ranking set:
///   τ_b = (C - D) / sqrt((n0 - n1)(n0 - n2)),  n0 = n(n-1)/2,
/// C/D the concordant/discordant pairs, n1/n2 the pairs tied in gold/predicted. Undefined (null)
/// when either side is all ties.
/// </summary>
public static class KendallTau
{
    public static double? TauB(IReadOnlyList<double> predicted, IReadOnlyList<double> gold)
    {
        if (predicted.Count != gold.Count) throw new ArgumentException($"{predicted.Count} predictions for {gold.Count} gold scores");
        long concordant = 0, discordant = 0, goldTies = 0, predictedTies = 0, n0 = 0;
        for (int i = 0; i < gold.Count; i++)
            for (int j = i + 1; j < gold.Count; j++)
            {
                n0++;
                int g = Math.Sign(gold[i] - gold[j]), p = Math.Sign(predicted[i] - predicted[j]);
                if (g == 0) goldTies++;
                if (p == 0) predictedTies++;
                if (g != 0 && p != 0)
                {
                    if (g == p) concordant++;
                    else discordant++;
                }
            }
        double denominator = Math.Sqrt((double)(n0 - goldTies) * (n0 - predictedTies));
        return denominator == 0 ? null : (concordant - discordant) / denominator;
    }

    /// <summary>Mean τ-b over the sets where it is defined, and how many sets that was.</summary>
    public static (double? Mean, int Sets) Average(IEnumerable<(IReadOnlyList<double> Predicted, IReadOnlyList<double> Gold)> sets)
    {
        var taus = sets.Select(s => TauB(s.Predicted, s.Gold)).Where(t => t.HasValue).Select(t => t!.Value).ToArray();
        return (taus.Length == 0 ? null : taus.Average(), taus.Length);
    }
}
