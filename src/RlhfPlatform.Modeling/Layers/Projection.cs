using RlhfPlatform.Modeling.Lora;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// A linear projection y = W x + b (HF names "weight", "bias") that can carry one LoRA adapter:
/// y = W x + b + (alpha / r) · B(A(dropout(x))). With no adapter its state is exactly an nn.Linear's;
/// an attached adapter adds "lora_A.weight" [r, in] and "lora_B.weight" [out, r] (PEFT's names without the adapter name).
/// </summary>
public sealed class Projection : Module<Tensor, Tensor>
{
    Parameter weight;
    Parameter? bias;
    // Not a Module field: the adapter's layers are registered by name on attach and removed on detach.
    LoraAdapter? adapter;

    public Projection(long inFeatures, long outFeatures, bool hasBias) : base(nameof(Projection))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        weight = new Parameter(empty(outFeatures, inFeatures));
        if (hasBias) bias = new Parameter(empty(outFeatures));
        ResetLikeLinear();
        RegisterComponents();
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }

    public Parameter Weight => weight;
    public Parameter? Bias => bias;

    public LoraAdapter? Adapter => adapter;

    /// <summary>False turns the adapter's contribution off (the base projection alone) without removing it.</summary>
    public bool AdapterEnabled { get; set; } = true;

    public override Tensor forward(Tensor x)
    {
        if (adapter is null || !AdapterEnabled) return functional.linear(x, weight, bias);
        using var scope = NewDisposeScope();
        var y = functional.linear(x, weight, bias);
        return y.Plus(adapter.Delta(x, training)).MoveToOuterDisposeScope();
    }

    /// <summary>Adds an adapter (A uniform as PEFT initialises it, B zero) on the base weight's dtype and device.</summary>
    public void Attach(int rank, double scale, double dropout, Generator? generator)
    {
        if (adapter is not null) throw new InvalidOperationException("this projection already has a LoRA adapter");
        adapter = new LoraAdapter(InFeatures, OutFeatures, rank, scale, dropout, weight.dtype, weight.device, generator);
        register_module(LoraAdapter.AName, adapter.A);
        register_module(LoraAdapter.BName, adapter.B);
    }

    /// <summary>W += scale · B·A in place, then removes the adapter.</summary>
    public void MergeAndDetach()
    {
        if (adapter is null) return;
        using (no_grad())
        using (var delta = adapter.WeightDelta())
            weight.add_(delta, TorchScalars.One);
        Detach();
    }

    /// <summary>Removes the adapter without changing the base weight.</summary>
    public void Detach()
    {
        if (adapter is null) return;
        register_module(LoraAdapter.AName, null!);
        register_module(LoraAdapter.BName, null!);
        adapter.Dispose();
        adapter = null;
    }

    /// <summary>nn.Linear's own initialisation (kaiming_uniform a=√5, bias U(±1/√in)), so seeded models draw what they drew before.</summary>
    void ResetLikeLinear()
    {
        using var noGrad = no_grad();
        init.kaiming_uniform_(weight, Math.Sqrt(5));
        if (bias is not null)
        {
            double bound = InFeatures > 0 ? 1.0 / Math.Sqrt(InFeatures) : 0;
            init.uniform_(bias, -bound, bound);
        }
    }
}
