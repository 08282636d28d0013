using RlhfPlatform.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.NativeSafety.Tests;

/// <summary>Code that breaks the Scalar rule on purpose, one way per method, next to code that keeps it: the scanner's own test.</summary>
public static class ScalarRuleViolations
{
    static readonly Scalar Half = 0.5.ToScalar();

    public static Tensor ImplicitConversion(Tensor x) => x.mul(0.5);

    public static Tensor DoubleOperator(Tensor x) => x * 0.5;

    public static Tensor PlusOperator(Tensor x, Tensor y) => x + y;

    public static Tensor TemporaryToScalar(Tensor x) => x.mul(0.5.ToScalar());

    public static Tensor UndisposedLocal(Tensor x)
    {
        var s = 0.5.ToScalar();
        return x.mul(s);
    }

    public static Tensor HiddenScalarInsideTorchSharp(Tensor x) => x.square();

    public static object TorchSharpOptimizer(Tensor x) => optim.AdamW([new TorchSharp.Modules.Parameter(x)]);

    public static Tensor StaticScalar(Tensor x) => x.mul(Half);

    public static Tensor UsingLocal(Tensor x, double v)
    {
        using var s = v.ToScalar();
        return x.mul(s);
    }

    public static Tensor SafeHelpers(Tensor x, Tensor y) => x.Plus(y).Times(0.5).Squared();

    public static readonly string[] Broken =
        [nameof(ImplicitConversion), nameof(DoubleOperator), nameof(PlusOperator), nameof(TemporaryToScalar), nameof(UndisposedLocal),
         nameof(HiddenScalarInsideTorchSharp), nameof(TorchSharpOptimizer)];
}
