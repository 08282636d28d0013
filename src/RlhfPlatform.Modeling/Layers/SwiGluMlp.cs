using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>down(silu(gate(x)) · up(x)).</summary>
public sealed class SwiGluMlp : Module<Tensor, Tensor>
{
    readonly Projection gate_proj, up_proj, down_proj;

    public SwiGluMlp(ModelConfig config) : base(nameof(SwiGluMlp))
    {
        gate_proj = new Projection(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        up_proj = new Projection(config.HiddenSize, config.IntermediateSize, config.MlpBias);
        down_proj = new Projection(config.IntermediateSize, config.HiddenSize, config.MlpBias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return down_proj.forward(functional.silu(gate_proj.forward(x)) * up_proj.forward(x)).MoveToOuterDisposeScope();
    }
}
