namespace RlhfPlatform.Training.RewardModels;

/// <summary>Stops when a metric has not improved for `patience` evaluations. Metrics named *loss* are minimised, others maximised.</summary>
public sealed class EarlyStopping(string metric, int patience)
{
    public string Metric => metric;
    public double? Best { get; private set; }
    public int EvaluationsSinceBest { get; private set; }
    public bool ShouldStop => EvaluationsSinceBest >= patience;

    bool Minimise => metric.Contains("loss", StringComparison.Ordinal);

    public void Observe(IReadOnlyDictionary<string, double> metrics)
    {
        if (!metrics.TryGetValue(metric, out double value))
            throw new ArgumentException($"early-stop metric '{metric}' is not among the evaluation metrics ({string.Join(", ", metrics.Keys)})");
        bool better = Best is not { } best || (Minimise ? value < best : value > best);
        if (better)
        {
            Best = value;
            EvaluationsSinceBest = 0;
        }
        else EvaluationsSinceBest++;
    }

    public void Restore(double? best, int evaluationsSinceBest)
    {
        Best = best;
        EvaluationsSinceBest = evaluationsSinceBest;
    }
}
