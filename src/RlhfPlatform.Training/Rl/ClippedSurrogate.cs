using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// The clipped surrogate of PPO (Schulman et al. 2017), elementwise, shared by RLOO (per sequence)
/// and PPO (per token):
///   ρ = exp(log π_θ - log π_old),  ℓ = -min(ρ A, clip(ρ, 1-ε, 1+ε) A)
/// Clipped marks the elements with |ρ - 1| &gt; ε (1.0 or 0.0).
/// </summary>
public static class ClippedSurrogate
{
    public static (Tensor Loss, Tensor Clipped) Terms(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, double clipRange)
    {
        using var scope = NewDisposeScope();
        var ratio = (logProbs - oldLogProbs).exp();
        var unclipped = ratio * advantages;
        var clipped = ratio.Clamp(1 - clipRange, 1 + clipRange) * advantages;
        var loss = -minimum(unclipped, clipped);
        var wasClipped = ratio.sub(TorchScalars.One).abs().GreaterThan(clipRange).to_type(ScalarType.Float32);
        return (loss.MoveToOuterDisposeScope(), wasClipped.MoveToOuterDisposeScope());
    }
}
