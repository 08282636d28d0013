using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>`label-smoothing`: mean of -(1-ε) log σ(Δ) - ε log σ(-Δ); ε = 0.1 by default.</summary>
public sealed class LabelSmoothing(double epsilon) : IRewardObjective
{
    public const string MethodName = "label-smoothing";
    public const double DefaultEpsilon = 0.1;

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new();

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var delta = batch.Chosen - batch.Rejected;
        var loss = nn.functional.logsigmoid(delta).Times(-(1 - epsilon)).PlusScaled(nn.functional.logsigmoid(-delta), -epsilon).mean();
        var bt = (-nn.functional.logsigmoid(delta)).mean().detach();
        return new RewardLoss(loss.MoveToOuterDisposeScope(), [("smoothed", loss.detach().MoveToOuterDisposeScope()), ("bt", bt.MoveToOuterDisposeScope())]);
    }
}
