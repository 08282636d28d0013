using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `grm-dpo-noref`: as `grm-dpo` with the reference terms set to 0:
///   L = (1-α)·bt + α · mean of -log σ(β (logπ(y_c) - logπ(y_r)));  α = 0.01, β = 0.1.
/// </summary>
public sealed class GrmDpoNoRef(double alpha, double beta) : IRewardObjective
{
    public const string MethodName = "grm-dpo-noref";

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new() { ChosenLogProbs = true, RejectedLogProbs = true, DefaultHead = "mlp" };

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var policy = RewardBatch.Require(batch.ChosenLogProbs, "chosen log-probs", Name) - RewardBatch.Require(batch.RejectedLogProbs, "rejected log-probs", Name);
        var regularizer = (-nn.functional.logsigmoid(policy.Times(beta))).mean();
        var result = GrmMixing.Mix(batch, regularizer, "dpo", alpha);
        return new RewardLoss(result.Total.MoveToOuterDisposeScope(), result.Terms.Select(t => (t.Name, t.Value.MoveToOuterDisposeScope())).ToArray());
    }
}
