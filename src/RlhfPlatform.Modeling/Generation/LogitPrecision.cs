using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Softmax-family ops on half-precision logits lose the small probabilities that log-probs, importance
/// ratios and KL terms are made of (bf16 keeps 8 mantissa bits), and TorchSharp has no autocast to do
/// it for us: fp16/bf16 logits are cast to fp32 before any (log-)softmax.
/// </summary>
public static class LogitPrecision
{
    public static bool IsHalf(ScalarType dtype) => dtype is ScalarType.Float16 or ScalarType.BFloat16;

    /// <summary>The logits themselves when they are fp32 or wider, else an fp32 copy.</summary>
    public static Tensor ForSoftmax(Tensor logits) => IsHalf(logits.dtype) ? logits.to_type(ScalarType.Float32) : logits;
}
