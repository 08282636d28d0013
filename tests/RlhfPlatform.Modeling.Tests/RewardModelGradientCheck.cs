using RlhfPlatform.Modeling.Generation;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

/// <summary>What the reward-model gradient checks differentiate (the reward and the LM head together) and its central finite difference.</summary>
static class RewardModelGradientCheck
{
    public const double Epsilon = 1e-5;

    /// <summary>Σ rewards − Σ log-likelihood of the responses: every parameter of the model gets a gradient.</summary>
    public static Tensor Loss(RewardModel model, SequenceBatch batch)
    {
        using var scope = NewDisposeScope();
        var logLikelihood = ResponseLogProbs.Sum(model, batch).sum();
        var rewards = model.Rewards(batch.InputIds, batch.AttentionMask).Rewards.sum();
        return (rewards - logLikelihood).MoveToOuterDisposeScope();
    }

    /// <summary>(L(w + ε) − L(w − ε)) / 2ε for one entry of a parameter, which is left as it was.</summary>
    public static double FiniteDifference(RewardModel model, SequenceBatch batch, Parameter parameter, int index)
    {
        using var noGrad = no_grad();
        using var entry = parameter.view(-1).narrow(0, index, 1);
        entry.add_(Epsilon);
        double plus = LossValue(model, batch);
        entry.sub_(2 * Epsilon);
        double minus = LossValue(model, batch);
        entry.add_(Epsilon);
        return (plus - minus) / (2 * Epsilon);
    }

    static double LossValue(RewardModel model, SequenceBatch batch)
    {
        using var loss = Loss(model, batch);
        return loss.item<double>();
    }
}
