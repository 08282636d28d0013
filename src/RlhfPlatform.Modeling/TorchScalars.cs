using TorchSharp;

namespace RlhfPlatform.Modeling;

/// <summary>
/// TorchSharp turns a double argument into a native Scalar that nothing keeps alive; its finalizer can
/// then free it on the finalizer thread while the native op that received its handle still reads it
/// (seen as "Unknown scalar type" / INTERNAL ASSERT at c10/core/Scalar.h in long runs). On hot paths,
/// pass a Scalar that stays referenced for the whole call: one of these, a field, or a `using var`.
/// </summary>
public static class TorchScalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    /// <summary>The alpha of a.add(b, MinusOne) = a - b: TorchSharp has no sub(Tensor, alpha), and its sub(Tensor) makes a temporary 1.</summary>
    public static readonly Scalar MinusOne = (-1.0).ToScalar();
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
}
