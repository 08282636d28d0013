using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `grm-dpo`: (1-α)·bt + α·L_dpo with the RM's LM head as the policy and a frozen copy of the
/// starting weights as π_ref:
///   L_dpo = mean of -log σ(β[(logπ(y_c) - logπ(y_r)) - (logπ_ref(y_c) - logπ_ref(y_r))])
/// α = 0.01, β = 0.1.
/// </summary>
public sealed class GrmDpo(double alpha, double beta) : IRewardObjective
{
    public const string MethodName = "grm-dpo";

    public string Name => MethodName;

    public ObjectiveTraits Traits { get; } = new() { ChosenLogProbs = true, RejectedLogProbs = true, ReferenceLogProbs = true, DefaultHead = "mlp" };

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var policy = RewardBatch.Require(batch.ChosenLogProbs, "chosen log-probs", Name) - RewardBatch.Require(batch.RejectedLogProbs, "rejected log-probs", Name);
        var reference = RewardBatch.Require(batch.ReferenceChosenLogProbs, "reference chosen log-probs", Name)
                        - RewardBatch.Require(batch.ReferenceRejectedLogProbs, "reference rejected log-probs", Name);
        var regularizer = (-nn.functional.logsigmoid((policy - reference).Times(beta))).mean();
        var result = GrmMixing.Mix(batch, regularizer, "dpo", alpha);
        return new RewardLoss(result.Total.MoveToOuterDisposeScope(), result.Terms.Select(t => (t.Name, t.Value.MoveToOuterDisposeScope())).ToArray());
    }
}
