using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `center` (Eisenstein et al. 2023, the "center rewards" auxiliary loss):
///   L = bt + c · mean over pairs of (r_c + r_r)²
/// which centres each pair, unlike BSR which centres the batch. c = 0.01 (TRL's suggested
/// center_rewards_coefficient).
/// </summary>
public sealed class CenterRewards(double coefficient) : IRewardObjective
{
    public const string MethodName = "center";
    public const double DefaultCoefficient = 0.01;

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new();

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var bt = BradleyTerry.Loss(batch.Chosen, batch.Rejected);
        var penalty = batch.Chosen.Plus(batch.Rejected).Squared().mean();
        var loss = bt.PlusScaled(penalty, coefficient);
        return new RewardLoss(loss.MoveToOuterDisposeScope(),
            [("bt", bt.detach().MoveToOuterDisposeScope()), ("center", penalty.detach().MoveToOuterDisposeScope())]);
    }
}
