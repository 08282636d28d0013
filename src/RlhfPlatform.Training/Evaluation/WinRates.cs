namespace RlhfPlatform.Training.Evaluation;

/// <summary>Raw and length-controlled win rate of a policy against a reference, judged by gold reward per prompt.</summary>
public sealed record WinRates(double WinRate, double LengthControlledWinRate, double LengthSlope, double LengthScale)
{
    /// <summary>1 for a win, 0.5 for a tie, 0 for a loss.</summary>
    public static double[] Outcomes(IReadOnlyList<double> gold, IReadOnlyList<double> referenceGold) =>
        gold.Zip(referenceGold, (g, r) => g > r ? 1.0 : g == r ? 0.5 : 0.0).ToArray();

    /// <summary>
    /// Length-controlled win rate (METHODS.md): fit P(win) = σ(a + b·z), z = (len - len_ref) / s with s the
    /// standard deviation of the length differences (z = 0 when they are all equal), and report σ(a),
    /// the predicted win rate at zero length difference. AlpacaEval 2.0 uses tanh(z) as the feature; we use z.
    /// </summary>
    public static WinRates Compute(IReadOnlyList<double> outcomes, IReadOnlyList<double> lengths, IReadOnlyList<double> referenceLengths)
    {
        if (outcomes.Count == 0 || outcomes.Count != lengths.Count || lengths.Count != referenceLengths.Count)
            throw new ArgumentException("win rates need one outcome and one length pair per prompt");
        var difference = lengths.Zip(referenceLengths, (l, r) => l - r).ToArray();
        double mean = difference.Average();
        double scale = Math.Sqrt(difference.Sum(d => (d - mean) * (d - mean)) / difference.Length);
        var z = difference.Select(d => scale > 0 ? d / scale : 0.0).ToArray();
        var fit = LogisticRegression.Fit(z, outcomes);
        return new WinRates(outcomes.Average(), fit.Predict(0), fit.Slope, scale);
    }
}
