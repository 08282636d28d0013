using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `margin`: mean of -log σ(Δ - m). m is the constant when one is given, otherwise each pair's
/// margin from the data (e.g. |rating_A - rating_B| of rated pairs, as GRM's "Classifier + margin").
/// </summary>
public sealed class MarginBradleyTerry(double? constantMargin) : IRewardObjective
{
    public const string MethodName = "margin";

    public string Name => MethodName;

    public double? ConstantMargin => constantMargin;

    /// <summary>Data margins are only needed when there is no constant.</summary>
    public ObjectiveTraits Traits { get; } = new() { Margins = constantMargin is null };

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var delta = batch.Chosen - batch.Rejected;
        var shifted = constantMargin is { } m ? delta.Minus(m) : delta - RewardBatch.Require(batch.Margins, "per-pair margins", Name);
        var loss = (-nn.functional.logsigmoid(shifted)).mean();
        var bt = BradleyTerry.Loss(batch.Chosen, batch.Rejected).detach();
        return new RewardLoss(loss.MoveToOuterDisposeScope(), [("margin", loss.detach().MoveToOuterDisposeScope()), ("bt", bt.MoveToOuterDisposeScope())]);
    }
}
