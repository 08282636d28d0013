using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// Rotary position embeddings (Llama's "rotate half" layout): pairs (i, i + d/2) of each head are
/// rotated by position · theta^(-2i/d). Tables are computed per call from the positions, so left
/// padding (positions that start later) and the KV cache need nothing special.
/// </summary>
public static class RotaryEmbedding
{
    /// <summary>cos and sin of shape [B, 1, T, headDim] for integer positions [B, T].</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, int headDim, double theta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var exponent = arange(0, headDim, 2, dtype: ScalarType.Float32, device: positions.device) / headDim;
        var inverseFrequency = pow(theta, -exponent);                                     // [d/2]
        var angles = positions.to_type(ScalarType.Float32).unsqueeze(-1) * inverseFrequency; // [B, T, d/2]
        var full = cat([angles, angles], -1).unsqueeze(1);                                  // [B, 1, T, d]
        return (full.cos().to_type(dtype).MoveToOuterDisposeScope(), full.sin().to_type(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>x: [B, H, T, d].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat([-second, first], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
