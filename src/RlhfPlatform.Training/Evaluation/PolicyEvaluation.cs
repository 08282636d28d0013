namespace RlhfPlatform.Training.Evaluation;

/// <summary>Gold-judged comparison of a policy's responses with a reference policy's on the same prompts.</summary>
public sealed record PolicyEvaluation(double GoldReward, double ReferenceGoldReward, double MeanLength, double ReferenceMeanLength, double WinRate)
{
    /// <summary>Win rate counts ties as half a win.</summary>
    public static PolicyEvaluation Compare(IReadOnlyList<double> gold, IReadOnlyList<double> referenceGold,
        IReadOnlyList<int> lengths, IReadOnlyList<int> referenceLengths)
    {
        if (gold.Count == 0 || gold.Count != referenceGold.Count || lengths.Count != gold.Count || referenceLengths.Count != gold.Count)
            throw new ArgumentException("evaluation needs one policy and one reference response per prompt");
        double wins = gold.Zip(referenceGold).Sum(p => p.First > p.Second ? 1.0 : p.First == p.Second ? 0.5 : 0.0);
        return new PolicyEvaluation(gold.Average(), referenceGold.Average(), lengths.Average(), referenceLengths.Average(), wins / gold.Count);
    }
}
