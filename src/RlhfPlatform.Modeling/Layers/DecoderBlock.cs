using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>Pre-norm residual block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
public sealed class DecoderBlock : Module<Tensor, Tensor>
{
    readonly RmsNorm input_layernorm, post_attention_layernorm;
    readonly Attention self_attn;
    readonly SwiGluMlp mlp;

    public DecoderBlock(ModelConfig config, int layerIndex) : base(nameof(DecoderBlock))
    {
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        self_attn = new Attention(config, layerIndex);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        mlp = new SwiGluMlp(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        throw new NotSupportedException("DecoderBlock needs rotary tables and a mask: call Forward(x, cos, sin, mask, cache)");

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache));
        return h.Plus(mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
