using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling;

/// <summary>Decoder + language-model head: the policy (and reference) model.</summary>
public sealed class CausalLm : Module<Tensor, Tensor>, ILanguageModel, Lora.IAdaptableModel
{
    readonly DecoderBackbone model;
    readonly Linear? lm_head;

    public CausalLm(ModelConfig config) : base(nameof(CausalLm))
    {
        config.Validate();
        model = new DecoderBackbone(config);
        if (!config.TieWordEmbeddings) lm_head = Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
        WeightInit.Apply(this);
    }

    public ModelConfig Config => model.Config;

    public string PeftTaskType => "CAUSAL_LM";

    public IReadOnlyList<string> FullyTrainedUnderLora => [];

    /// <summary>The decoder, so a value head can share the policy's hidden states (PPO).</summary>
    public DecoderBackbone Backbone => model;

    public override Tensor forward(Tensor inputIds) => Logits(inputIds, ones_like(inputIds), null);

    /// <summary>Logits [B, T, V] from hidden states [B, T, H] computed with <see cref="Backbone"/>.</summary>
    public Tensor LogitsFromHidden(Tensor hidden) => LmHead.Apply(hidden, lm_head, model.EmbeddingWeight);

    /// <summary>The LM head on the last position's hidden state only, [B, V].</summary>
    public Tensor LastLogits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, cache);
        return LmHead.Apply(hidden.narrow(1, hidden.shape[1] - 1, 1), lm_head, model.EmbeddingWeight).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Next-token logits [B, T, V]; see <see cref="DecoderBackbone.Forward"/> for the arguments.</summary>
    public Tensor Logits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, cache);
        return LmHead.Apply(hidden, lm_head, model.EmbeddingWeight).MoveToOuterDisposeScope();
    }
}

/// <summary>The LM head, tied to the embedding when the config says so.</summary>
public static class LmHead
{
    // linear, not matmul: TorchSharp 0.107's matmul has no C++ catch, so a libtorch error in it aborts the process.
    public static Tensor Apply(Tensor hidden, Linear? head, Tensor embeddingWeight) =>
        head is not null ? head.forward(hidden) : nn.functional.linear(hidden, embeddingWeight);
}
