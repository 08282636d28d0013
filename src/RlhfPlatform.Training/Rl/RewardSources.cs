using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Training.Rl;

/// <summary>Scores of one trained reward model.</summary>
public sealed class RewardModelSource(RewardModel model) : IRewardSource
{
    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) => RewardScoring.Score(model, prompts, responses);
}

/// <summary>A reward computed on decoded text, e.g. <see cref="Synthetic.LengthTask.GoldReward"/>.</summary>
public sealed class TextRewardSource(ITokenizer tokenizer, Func<string, string, double> reward) : IRewardSource
{
    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) =>
        ScoreInFullPrecision(prompts, responses).Select(s => (float)s).ToArray();

    public double[] ScoreInFullPrecision(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        if (prompts.Count != responses.Count) throw new ArgumentException($"{prompts.Count} prompts but {responses.Count} responses");
        var scores = new double[prompts.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = reward(tokenizer.Decode(prompts[i]), tokenizer.Decode(responses[i]));
        return scores;
    }
}

public enum EnsembleReduction { Mean, Min }

/// <summary>An ensemble of reward sources (METHODS.md `ensemble`): the mean or the min of the members' scores.</summary>
public sealed class EnsembleRewardSource : IRewardSource
{
    readonly IReadOnlyList<IRewardSource> members;
    readonly EnsembleReduction reduction;

    public EnsembleRewardSource(IReadOnlyList<IRewardSource> members, EnsembleReduction reduction)
    {
        if (members.Count == 0) throw new ArgumentException("an ensemble needs at least one member");
        this.members = members;
        this.reduction = reduction;
    }

    public float[] Score(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses)
    {
        var all = members.Select(m => m.Score(prompts, responses)).ToArray();
        var scores = new float[prompts.Count];
        for (int i = 0; i < scores.Length; i++)
            scores[i] = reduction == EnsembleReduction.Min ? all.Min(s => s[i]) : all.Average(s => s[i]);
        return scores;
    }
}
