using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>GRM's total loss: L = (1 - α) · L_reward + α · L_reg (Yang et al. 2024), with L_reward = bt.</summary>
public static class GrmMixing
{
    public const double DefaultAlpha = 0.01;
    public const double DefaultBeta = 0.1;

    public static RewardLoss Mix(RewardBatch batch, Tensor regularizer, string regularizerName, double alpha)
    {
        using var scope = NewDisposeScope();
        var bt = BradleyTerry.Loss(batch.Chosen, batch.Rejected);
        var loss = bt.Times(1 - alpha).PlusScaled(regularizer, alpha);
        return new RewardLoss(loss.MoveToOuterDisposeScope(),
            [("bt", bt.detach().MoveToOuterDisposeScope()), (regularizerName, regularizer.detach().MoveToOuterDisposeScope())]);
    }
}
