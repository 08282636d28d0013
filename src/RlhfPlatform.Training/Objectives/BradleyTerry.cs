using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>`bt`: mean over pairs of -log σ(Δ), Δ = r(x,y_c) - r(x,y_r).</summary>
public sealed class BradleyTerry : IRewardObjective
{
    public const string MethodName = "bt";

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new();

    public RewardLoss Compute(RewardBatch batch)
    {
        var loss = Loss(batch.Chosen, batch.Rejected);
        return new RewardLoss(loss, [("bt", loss.detach())]);
    }

    /// <summary>-mean log σ(r_c - r_r).</summary>
    public static Tensor Loss(Tensor chosenRewards, Tensor rejectedRewards)
    {
        using var scope = NewDisposeScope();
        return (-nn.functional.logsigmoid(chosenRewards - rejectedRewards)).mean().MoveToOuterDisposeScope();
    }
}
