using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Objectives;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>
/// A reward model ready to score: one model, or the members of an ensemble whose rewards are
/// combined by mean or min. Scoring runs in eval mode (dropout off).
/// </summary>
public sealed class TrainedRewardModel : Rl.IRewardSource, IDisposable
{
    public TrainedRewardModel(IReadOnlyList<RewardModel> members, ITokenizer tokenizer, string aggregate = EnsembleAggregate.Mean)
    {
        if (members.Count == 0) throw new ArgumentException("a reward model needs at least one member");
        Members = members;
        Tokenizer = tokenizer;
        Aggregate = EnsembleAggregate.Validate(aggregate);
    }

    public IReadOnlyList<RewardModel> Members { get; }
    public ITokenizer Tokenizer { get; }
    public string Aggregate { get; }
    public bool IsEnsemble => Members.Count > 1;
    public ModelConfig Config => Members[0].Config;

    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        if (prompts.Count == 0) return [];
        var scores = Members.Select(m => RewardScoring.Score(m, prompts, responses)).ToArray();
        return IsEnsemble ? EnsembleAggregate.Combine(scores, Aggregate) : scores[0];
    }

    public void Dispose()
    {
        foreach (var member in Members) member.Dispose();
    }
}
