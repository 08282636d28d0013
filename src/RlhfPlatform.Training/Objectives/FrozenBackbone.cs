namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `frozen`: the Bradley-Terry loss with the backbone frozen, so only the reward head (mlp by
/// default, as GRM's "Classifier (Frozen)") learns on the pretrained features.
/// </summary>
public sealed class FrozenBackbone : IRewardObjective
{
    public const string MethodName = "frozen";

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new() { TrainsBackbone = false, DefaultHead = "mlp" };

    public RewardLoss Compute(RewardBatch batch)
    {
        var loss = BradleyTerry.Loss(batch.Chosen, batch.Rejected);
        return new RewardLoss(loss, [("bt", loss.detach())]);
    }
}
