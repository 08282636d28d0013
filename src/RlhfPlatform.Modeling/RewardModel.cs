using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling;

/// <summary>
/// Decoder + scalar reward head read at the last real token (METHODS.md). The head ("score", HF's
/// sequence-classification name) is linear (no bias, N(0, 1/(H+1))) or an MLP
/// (dropout 0.1 → H→1024 → ReLU → 1024→1). The LM head is kept so GRM's text-generation
/// regularizers can run on the same hidden states.
/// </summary>
public sealed class RewardModel : Module<Tensor, Tensor>, ILanguageModel
{
    public const int MlpHeadWidth = 1024;

    readonly DecoderBackbone model;
    readonly Module<Tensor, Tensor> score;
    readonly Linear? lm_head;

    public RewardModel(ModelConfig config) : base(nameof(RewardModel))
    {
        if (config.RewardHead == "none") config = config with { RewardHead = "linear" };
        config.Validate();
        model = new DecoderBackbone(config);
        score = config.RewardHead == "mlp"
            ? Sequential(Dropout(0.1), Linear(config.HiddenSize, MlpHeadWidth), ReLU(), Linear(MlpHeadWidth, 1))
            : Linear(config.HiddenSize, 1, hasBias: false);
        if (!config.TieWordEmbeddings) lm_head = Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
        WeightInit.Apply(this);
        if (score is Linear linearHead)
            using (no_grad()) init.normal_(linearHead.weight, 0, 1.0 / Math.Sqrt(config.HiddenSize + 1));
    }

    public ModelConfig Config => model.Config;

    public DecoderBackbone Backbone => model;

    public IEnumerable<Parameter> HeadParameters() => score.parameters();

    public override Tensor forward(Tensor inputIds) => Rewards(inputIds, ones_like(inputIds)).Rewards;

    /// <summary>Rewards [B] and the hidden state they were read from [B, H], for right- or left-padded rows.</summary>
    public (Tensor Rewards, Tensor LastHidden) Rewards(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, null);
        var last = LastRealHidden(hidden, attentionMask);
        var rewards = score.forward(last).squeeze(-1);
        return (rewards.MoveToOuterDisposeScope(), last.MoveToOuterDisposeScope());
    }

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, cache);
        return LmHead.Apply(hidden, lm_head, model.EmbeddingWeight).MoveToOuterDisposeScope();
    }

    /// <summary>hidden[b, index of the last 1 in mask[b]] → [B, H].</summary>
    public static Tensor LastRealHidden(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        long t = attentionMask.shape[1];
        var weightedIndex = attentionMask.to_type(ScalarType.Int64) * ScalarOps.Range(1, t + 1, attentionMask.device);
        var lastIndex = weightedIndex.argmax(1);                                        // [B]
        var gatherIndex = lastIndex.view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        return hidden.gather(1, gatherIndex).squeeze(1).MoveToOuterDisposeScope();
    }
}
