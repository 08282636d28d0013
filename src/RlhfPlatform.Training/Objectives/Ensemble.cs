namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `ensemble`: K independent Bradley-Terry models, each with its own seed (initialisation, data
/// order, dropout). The trainer trains the members one after another; at scoring the members'
/// rewards are combined by <see cref="Aggregate"/> (mean, or min for a pessimistic reward).
/// </summary>
public sealed class Ensemble : IRewardObjective
{
    public const string MethodName = "ensemble";
    public const int DefaultMembers = 3;

    public Ensemble(int members, string aggregate)
    {
        if (members < 1) throw new ArgumentOutOfRangeException(nameof(members), members, "an ensemble needs at least one member");
        EnsembleAggregate.Validate(aggregate);
        Aggregate = aggregate;
        Traits = new ObjectiveTraits { Members = members };
    }

    public string Name => MethodName;

    public string Aggregate { get; }

    public ObjectiveTraits Traits { get; }

    public RewardLoss Compute(RewardBatch batch)
    {
        var loss = BradleyTerry.Loss(batch.Chosen, batch.Rejected);
        return new RewardLoss(loss, [("bt", loss.detach())]);
    }
}

/// <summary>How member rewards combine: "mean" or "min".</summary>
public static class EnsembleAggregate
{
    public const string Mean = "mean";
    public const string Min = "min";

    public static string Validate(string aggregate) => aggregate is Mean or Min
        ? aggregate
        : throw new ArgumentException($"ensemble aggregate must be mean or min (got '{aggregate}')");

    public static float[] Combine(IReadOnlyList<float[]> memberScores, string aggregate)
    {
        Validate(aggregate);
        int n = memberScores[0].Length;
        var combined = new float[n];
        for (int i = 0; i < n; i++)
        {
            float acc = aggregate == Min ? float.PositiveInfinity : 0f;
            foreach (var scores in memberScores)
                acc = aggregate == Min ? Math.Min(acc, scores[i]) : acc + scores[i];
            combined[i] = aggregate == Min ? acc : acc / memberScores.Count;
        }
        return combined;
    }
}
