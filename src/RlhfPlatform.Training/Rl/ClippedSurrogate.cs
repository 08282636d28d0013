using RlhfPlatform.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// The clipped surrogate of PPO (Schulman et al. 2017), elementwise, shared by RLOO (per sequence)
/// and PPO (per token):
///   ρ = exp(log π_θ - log π_old),  ℓ = max(-ρ A, -clip(ρ, 1-ε, 1+ε) A)
/// Clipped marks (1.0, else 0.0) the elements where the clipped term is the one taken and differs from
/// the unclipped one, i.e. where the gradient is cut: (A &gt; 0 and ρ &gt; 1+ε) or (A &lt; 0 and ρ &lt; 1-ε).
/// A ratio outside the range on the other side of A keeps the unclipped (worse) term and is not counted.
/// </summary>
public static class ClippedSurrogate
{
    public static (Tensor Loss, Tensor Clipped) Terms(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, double clipRange)
    {
        using var scope = NewDisposeScope();
        using var low = (1 - clipRange).ToScalar();
        using var high = (1 + clipRange).ToScalar();
        var ratio = logProbs.sub(oldLogProbs).exp();
        var unclipped = ratio * advantages;
        var clipped = ratio.clamp(low, high) * advantages;
        var loss = -minimum(unclipped, clipped);
        var cutAbove = advantages.gt(TorchScalars.Zero).logical_and(ratio.gt(high));
        var cutBelow = advantages.lt(TorchScalars.Zero).logical_and(ratio.lt(low));
        var wasClipped = cutAbove.logical_or(cutBelow).to_type(ScalarType.Float32);
        return (loss.MoveToOuterDisposeScope(), wasClipped.MoveToOuterDisposeScope());
    }
}
