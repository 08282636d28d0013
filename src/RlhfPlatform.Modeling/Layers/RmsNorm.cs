using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// y = x / sqrt(mean(x²) + eps) · weight (TorchSharp has no RMSNorm module). Half-precision inputs
/// are normalised in fp32; fp32 and fp64 inputs stay in their own dtype (no needless casts).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    // Held for the module's life: an implicit double → Scalar conversion per call would be left to the GC
    // finalizer, which can free it while the native op still reads it (see TorchScalars).
    readonly Scalar eps;

    public RmsNorm(long dim, double eps) : base(nameof(RmsNorm))
    {
        weight = new Parameter(ones(dim));
        this.eps = eps.ToScalar();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        bool upcast = x.dtype is ScalarType.Float16 or ScalarType.BFloat16;
        var wide = upcast ? x.to_type(ScalarType.Float32) : x;
        var normed = wide * wide.Squared().mean([-1L], keepdim: true).add_(eps, TorchScalars.One).rsqrt_();
        if (upcast) normed = normed.to_type(x.dtype);
        return (normed * weight).MoveToOuterDisposeScope();
    }
}
