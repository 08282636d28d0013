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
public sealed class RewardModel : Module<Tensor, Tensor>, ILanguageModel, Lora.IAdaptableModel
{
    public const int MlpHeadWidth = 1024;

    /// <summary>The reward head's module name (HF sequence classification's "score").</summary>
    public const string HeadName = "score";

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

    public string PeftTaskType => "SEQ_CLS";

    /// <summary>The head starts from scratch, so it trains fully while LoRA adapts the decoder.</summary>
    public IReadOnlyList<string> FullyTrainedUnderLora => [HeadName];

    public DecoderBackbone Backbone => model;

    public IEnumerable<Parameter> HeadParameters() => score.parameters();

    public override Tensor forward(Tensor inputIds) => Rewards(inputIds, ones_like(inputIds)).Rewards;

    /// <summary>Rewards [B] and the hidden state they were read from [B, H], for right- or left-padded rows.</summary>
    public (Tensor Rewards, Tensor LastHidden) Rewards(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, null);
        var last = LastRealHidden(hidden, attentionMask);
        return (RewardsFromLastHidden(last).MoveToOuterDisposeScope(), last.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Rewards [B] and every position's hidden state [B, T, H] from one backbone pass, so that GRM's
    /// LM-head regularizers (<see cref="LogitsFromHidden"/>) read the very states the reward is read from
    /// instead of running the backbone a second time.
    /// </summary>
    public (Tensor Rewards, Tensor Hidden) RewardsAndHidden(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, null);
        var rewards = RewardsFromLastHidden(LastRealHidden(hidden, attentionMask));
        return (rewards.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope());
    }

    /// <summary>Logits [B, T, V] of the LM head from hidden states [B, T, H] of <see cref="Backbone"/>.</summary>
    public Tensor LogitsFromHidden(Tensor hidden) => LmHead.Apply(hidden, lm_head, model.EmbeddingWeight);

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, cache);
        return LogitsFromHidden(hidden).MoveToOuterDisposeScope();
    }

    Tensor RewardsFromLastHidden(Tensor lastHidden)
    {
        using var scope = NewDisposeScope();
        return score.forward(ModelPrecision.ForHead(lastHidden, score)).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>hidden[b, index of the last 1 in mask[b]] → [B, H].</summary>
    public static Tensor LastRealHidden(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        // The running count of real tokens, zeroed at padding, peaks exactly at the last real token.
        var realTokens = attentionMask.to_type(ScalarType.Int64);
        var lastIndex = (realTokens.cumsum(1) * realTokens).argmax(1);                  // [B]
        var gatherIndex = lastIndex.view(-1, 1, 1).expand(-1, 1, hidden.shape[2]);
        return hidden.gather(1, gatherIndex).squeeze(1).MoveToOuterDisposeScope();
    }
}
