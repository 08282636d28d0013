using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>Rewards of the chosen and rejected responses of pairs, in one forward of 2B rows (chosen rows first).</summary>
public static class PairRewards
{
    public static (Tensor Chosen, Tensor Rejected) Compute(RewardModel model, IReadOnlyList<TokenizedPair> pairs)
    {
        using var scope = NewDisposeScope();
        int n = pairs.Count;
        using var batch = Build(model, pairs);
        var rewards = model.Rewards(batch.InputIds, batch.AttentionMask).Rewards;
        return (rewards.narrow(0, 0, n).MoveToOuterDisposeScope(), rewards.narrow(0, n, n).MoveToOuterDisposeScope());
    }

    /// <summary>The 2B rows: every pair's prompt + chosen, then every pair's prompt + rejected.</summary>
    public static SequenceBatch Build(ILanguageModel model, IReadOnlyList<TokenizedPair> pairs)
    {
        var prompts = pairs.Select(p => p.Prompt).Concat(pairs.Select(p => p.Prompt)).ToArray();
        var responses = pairs.Select(p => p.Chosen).Concat(pairs.Select(p => p.Rejected)).ToArray();
        return SequenceBatch.For(model, prompts, responses);
    }
}

/// <summary>Σ_t logπ(y_t|x, y_&lt;t) of the chosen (and optionally rejected) responses under a model's LM head, one forward.</summary>
public static class PairLogProbs
{
    public static (Tensor Chosen, Tensor? Rejected) Compute(ILanguageModel model, IReadOnlyList<TokenizedPair> pairs, bool rejectedToo)
    {
        using var scope = NewDisposeScope();
        int n = pairs.Count;
        var prompts = pairs.Select(p => p.Prompt);
        var responses = pairs.Select(p => p.Chosen);
        if (rejectedToo)
        {
            prompts = prompts.Concat(pairs.Select(p => p.Prompt));
            responses = responses.Concat(pairs.Select(p => p.Rejected));
        }
        using var batch = SequenceBatch.For(model, prompts.ToArray(), responses.ToArray());
        var sums = ResponseLogProbs.Sum(model, batch);
        var chosen = sums.narrow(0, 0, n).MoveToOuterDisposeScope();
        return rejectedToo ? (chosen, sums.narrow(0, n, n).MoveToOuterDisposeScope()) : (chosen, null);
    }
}
