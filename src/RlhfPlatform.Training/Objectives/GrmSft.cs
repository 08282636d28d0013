using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Objectives;

/// <summary>
/// `grm-sft`: (1-α)·bt + α·L_sft on the chosen response only, through the RM's own LM head:
///   L_sft = mean of -log σ(β · logπ(y_c|x))            (default; α = 0.01, β = 0.1)
///   L_sft = mean of -logπ(y_c|x)                       (the no-logsigmoid variant)
/// logπ is the sum of the response tokens' log-probs.
/// </summary>
public sealed class GrmSft(double alpha, double beta, bool logSigmoid) : IRewardObjective
{
    public const string MethodName = "grm-sft";

    public string Name => MethodName;

    public bool LogSigmoid => logSigmoid;

    public ObjectiveTraits Traits { get; } = new() { ChosenLogProbs = true, DefaultHead = "mlp" };

    public RewardLoss Compute(RewardBatch batch)
    {
        using var scope = NewDisposeScope();
        var logProbs = RewardBatch.Require(batch.ChosenLogProbs, "chosen log-probs", Name);
        var regularizer = logSigmoid
            ? (-nn.functional.logsigmoid(logProbs.Times(beta))).mean()
            : (-logProbs).mean();
        var result = GrmMixing.Mix(batch, regularizer, "sft", alpha);
        return new RewardLoss(result.Total.MoveToOuterDisposeScope(), result.Terms.Select(t => (t.Name, t.Value.MoveToOuterDisposeScope())).ToArray());
    }
}
