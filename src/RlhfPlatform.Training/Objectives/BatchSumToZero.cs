using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `bsr` (batch-wise sum-to-zero regularization, METHODS.md):
///   L = bt + λ · B · (mean of the 2B rewards of the batch, chosen and rejected together)²
/// with B the pairs of the (micro-)batch the loss is computed on; λ = 1e-3. Since
/// B·mean² = (Σ r)² / (4B), the penalty pulls the batch's reward sum to zero without growing with B.
/// </summary>
public sealed class BatchSumToZero(double lambda) : IRewardObjective
{
    public const string MethodName = "bsr";
    public const double DefaultLambda = 1e-3;

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new();

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var bt = BradleyTerry.Loss(batch.Chosen, batch.Rejected);
        var batchMean = cat([batch.Chosen, batch.Rejected]).mean();
        var penalty = batchMean.Squared().Times(batch.Pairs);
        var loss = bt.PlusScaled(penalty, lambda);
        return new RewardLoss(loss.MoveToOuterDisposeScope(),
            [("bt", bt.detach().MoveToOuterDisposeScope()), ("bsr", penalty.detach().MoveToOuterDisposeScope())]);
    }
}
