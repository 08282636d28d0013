using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// REINFORCE Leave-One-Out (METHODS.md). With k samples per prompt:
///   R_i = r_RM(x, y_i) - β_KL · (log π_old(y_i) - log π_ref(y_i))      (KL folded into the sequence reward)
///   A_i = R_i - mean_{j≠i} R_j                                          (leave-one-out baseline)
///   ρ_i = exp(log π_θ(y_i) - log π_old(y_i))                            (sequence-level ratio)
///   L   = mean_i -min(ρ_i A_i, clip(ρ_i, 1-ε, 1+ε) A_i)
/// </summary>
public static class Rloo
{
    /// <summary>R_i for rewards and log-prob sums [N].</summary>
    public static Tensor SequenceRewards(Tensor rewards, Tensor logProbs, Tensor refLogProbs, double klCoef)
    {
        using var scope = NewDisposeScope();
        return (rewards - klCoef * (logProbs - refLogProbs)).MoveToOuterDisposeScope();
    }

    /// <summary>A_i for R [N] laid out as groups of k consecutive samples.</summary>
    public static Tensor Advantages(Tensor sequenceRewards, int k)
    {
        using var scope = NewDisposeScope();
        var grouped = sequenceRewards.view(-1, k);
        var othersMean = (grouped.sum(1, keepdim: true) - grouped) / (k - 1);
        return (grouped - othersMean).view(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Clipped surrogate loss and the fraction of samples whose ratio was clipped.</summary>
    public static (Tensor Loss, Tensor ClipFraction) PolicyLoss(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, double clipRange)
    {
        using var scope = NewDisposeScope();
        var ratio = (logProbs - oldLogProbs).exp();
        var unclipped = ratio * advantages;
        var clipped = ratio.clamp(1 - clipRange, 1 + clipRange) * advantages;
        var loss = -minimum(unclipped, clipped).mean();
        var clipFraction = (ratio - 1).abs().gt(clipRange).to_type(ScalarType.Float32).mean();
        return (loss.MoveToOuterDisposeScope(), clipFraction.MoveToOuterDisposeScope());
    }
}
