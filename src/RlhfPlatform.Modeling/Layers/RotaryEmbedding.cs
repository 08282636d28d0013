using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// Rotary position embeddings (Llama's "rotate half" layout): pairs (i, i + d/2) of each head are
/// rotated by position · theta^(-2i/d). Tables are computed per call from the positions, so left
/// padding (positions that start later) and the KV cache need nothing special.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>
    /// cos and signed sin of shape [B, 1, T, headDim] for integer positions [B, T]. The sin table's
    /// first half is negated so that <see cref="Apply"/> rotates with one roll instead of split, negate and concatenate.
    /// </summary>
    public static (Tensor Cos, Tensor SignedSin) Tables(Tensor positions, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // Angles reach position · 1 rad, so fp32 is the least precision they need; fp64 models get fp64 tables.
        var angleType = dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        using var headDimScalar = ((double)headDim).ToScalar();
        using var negativeLogTheta = (-Math.Log(theta)).ToScalar();
        using var stop = ((long)headDim).ToScalar();
        var exponent = arange(TorchScalars.IntZero, stop, TorchScalars.IntTwo, angleType, positions.device) / headDimScalar;
        var inverseFrequency = exponent.mul(negativeLogTheta).exp_();                   // θ^(-2i/d), [d/2]
        var angles = positions.to_type(angleType).unsqueeze(-1) * inverseFrequency;     // [B, T, d/2]
        var cos = angles.cos();
        var sin = angles.sin();
        var fullCos = cat([cos, cos], -1).unsqueeze(1).to_type(dtype);                  // [B, 1, T, d]
        var signedSin = cat([sin.neg(), sin], -1).unsqueeze(1).to_type(dtype);
        return (fullCos.MoveToOuterDisposeScope(), signedSin.MoveToOuterDisposeScope());
    }

    /// <summary>x: [B, H, T, d] → x·cos + rotate_half(x)·sin, with rotate_half(x) = [-x₂, x₁].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var swapped = x.roll(half, -1);                                                 // [x₂, x₁]
        return (x * cos).addcmul_(swapped, signedSin, TorchScalars.One).MoveToOuterDisposeScope();
    }
}
