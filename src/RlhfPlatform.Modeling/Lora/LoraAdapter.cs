using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling.Lora;

/// <summary>
/// One projection's low-rank update: A [r, in], B [out, r], scale alpha/r (alpha/√r with rsLoRA), dropout on
/// the adapter's input only. A is U(±1/√in) — what kaiming_uniform with a=√5 (PEFT's init) draws — and B is zero,
/// so a fresh adapter changes nothing.
/// </summary>
public sealed class LoraAdapter : IDisposable
{
    public const string AName = "lora_A", BName = "lora_B";

    readonly Scalar scaleScalar;

    internal LoraAdapter(long inFeatures, long outFeatures, int rank, double scale, double dropout, ScalarType dtype, Device device, Generator? generator)
    {
        Rank = rank;
        Scale = scale;
        Dropout = dropout;
        scaleScalar = scale.ToScalar();
        A = Linear(inFeatures, rank, hasBias: false, device: device, dtype: dtype);
        B = Linear(rank, outFeatures, hasBias: false, device: device, dtype: dtype);
        using var noGrad = no_grad();
        double bound = 1.0 / Math.Sqrt(inFeatures);
        A.weight!.uniform_(-bound, bound, generator);
        B.weight!.zero_();
    }

    public int Rank { get; }
    public double Scale { get; }
    public double Dropout { get; }

    public Linear A { get; }
    public Linear B { get; }

    /// <summary>scale · B(A(dropout(x))).</summary>
    public Tensor Delta(Tensor x, bool training)
    {
        using var scope = NewDisposeScope();
        var input = Dropout > 0 && training ? functional.dropout(x, Dropout, training) : x;
        return B.forward(A.forward(input)).mul(scaleScalar).MoveToOuterDisposeScope();
    }

    /// <summary>scale · B·A [out, in], the update Merge adds to the base weight.</summary>
    public Tensor WeightDelta()
    {
        using var scope = NewDisposeScope();
        // linear, not mm: TorchSharp 0.107's matmul family has no C++ catch (see LmHead).
        var product = functional.linear(A.weight!.t(), B.weight!).t();
        return product.mul(scaleScalar).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
        scaleScalar.Dispose();
    }
}
