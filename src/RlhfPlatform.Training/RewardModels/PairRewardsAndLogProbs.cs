using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>What GRM's objectives read from the trained RM per batch: rewards and LM-head log-prob sums [B] from one backbone pass.</summary>
public sealed record PairPass(Tensor Chosen, Tensor Rejected, Tensor ChosenLogProbs, Tensor? RejectedLogProbs);

/// <summary>
/// Rewards of the chosen and rejected responses and Σ_t logπ(y_t|x) of the chosen (optionally also the
/// rejected) responses under the RM's own LM head, all from one backbone pass over the 2B rows: the LM
/// head runs on the hidden states the rewards are read from (on the chosen rows only unless rejected
/// log-probs are asked for).
/// </summary>
public static class PairRewardsAndLogProbs
{
    public static PairPass Compute(RewardModel model, IReadOnlyList<TokenizedPair> pairs, bool rejectedToo)
    {
        using var scope = NewDisposeScope();
        int n = pairs.Count;
        using var batch = PairRewards.Build(model, pairs);
        var (rewards, hidden) = model.RewardsAndHidden(batch.InputIds, batch.AttentionMask);
        int lmRows = rejectedToo ? 2 * n : n;
        var logits = model.LogitsFromHidden(hidden.narrow(0, 0, lmRows));
        var logProbs = ResponseLogProbs.FromLogits(logits, batch.InputIds.narrow(0, 0, lmRows), batch.ResponseMask.narrow(0, 0, lmRows)).sum(1);
        return new PairPass(
            rewards.narrow(0, 0, n).MoveToOuterDisposeScope(),
            rewards.narrow(0, n, n).MoveToOuterDisposeScope(),
            logProbs.narrow(0, 0, n).MoveToOuterDisposeScope(),
            rejectedToo ? logProbs.narrow(0, n, n).MoveToOuterDisposeScope() : null);
    }
}
