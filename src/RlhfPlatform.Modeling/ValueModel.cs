using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling;

/// <summary>Value head: Linear(H→1) with bias, read at every position: hidden [B, T, H] → values [B, T].</summary>
public sealed class ValueHead : Module<Tensor, Tensor>
{
    readonly Linear value;

    public ValueHead(int hiddenSize) : base(nameof(ValueHead))
    {
        value = Linear(hiddenSize, 1);
        RegisterComponents();
        using (no_grad())
        {
            init.normal_(value.weight, 0, 1.0 / Math.Sqrt(hiddenSize + 1));
            init.zeros_(value.bias!);
        }
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return value.forward(ModelPrecision.ForHead(hidden, value)).squeeze(-1).MoveToOuterDisposeScope();
    }
}

/// <summary>A separate critic for PPO: its own decoder plus a <see cref="ValueHead"/>.</summary>
public sealed class ValueModel : Module<Tensor, Tensor>
{
    readonly DecoderBackbone model;
    readonly ValueHead value_head;

    public ValueModel(ModelConfig config) : base(nameof(ValueModel))
    {
        config.Validate();
        model = new DecoderBackbone(config);
        value_head = new ValueHead(config.HiddenSize);
        RegisterComponents();
        WeightInit.Apply(model);
    }

    public DecoderBackbone Backbone => model;

    public override Tensor forward(Tensor inputIds) => Values(inputIds, ones_like(inputIds));

    /// <summary>V at every position [B, T].</summary>
    public Tensor Values(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return value_head.forward(model.Forward(inputIds, attentionMask, null)).MoveToOuterDisposeScope();
    }
}
