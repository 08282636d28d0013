using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling;

/// <summary>
/// The safe way to hand a number to TorchSharp. TorchSharp 0.107 reads a Scalar's native handle, calls
/// libtorch and never touches the Scalar again, so a temporary one — every implicit conversion
/// (`x * 0.5`, `clamp(a, b)`), and the hidden `1` inside `add(Tensor)`, `+`, `add_(Scalar)`,
/// `square()` — can be finalized while libtorch still reads it ("Unknown scalar type" at
/// c10/core/Scalar.h). Every Scalar here is referenced until the native call returns: the constants
/// are static, and the helpers hold computed values in a `using var` around the one call that reads
/// them. The NativeSafety tests scan every src assembly for anything else.
/// </summary>
public static class TorchScalars
{
    public static readonly Scalar One = 1.0.ToScalar();
    public static readonly Scalar Zero = 0.0.ToScalar();
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
    public static readonly Scalar IntZero = 0L.ToScalar();
    public static readonly Scalar IntOne = 1L.ToScalar();
    public static readonly Scalar IntTwo = 2L.ToScalar();
}

/// <summary>Tensor ops with a number operand, each keeping its Scalar alive for the call (see <see cref="TorchScalars"/>).</summary>
public static class ScalarOps
{
    /// <summary>a + b (TorchSharp's `+` passes a temporary alpha).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, TorchScalars.One);

    /// <summary>a + alpha·b.</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add(b, s);
    }

    public static Tensor Plus(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.add(s, TorchScalars.One);
    }

    public static Tensor Minus(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.sub(s);
    }

    public static Tensor Times(this Tensor x, double value)
    {
        using var s = value.ToScalar();
        return x.mul(s);
    }

    public static Tensor Squared(this Tensor x) => x.mul(x);

    public static Tensor ClampMin(this Tensor x, double min)
    {
        using var s = min.ToScalar();
        return x.clamp_min(s);
    }

    /// <summary>[start, stop) as int64 on the device.</summary>
    public static Tensor Range(long start, long stop, Device? device = null)
    {
        using var from = start.ToScalar();
        using var to = stop.ToScalar();
        return arange(from, to, TorchScalars.IntOne, ScalarType.Int64, device);
    }
}
