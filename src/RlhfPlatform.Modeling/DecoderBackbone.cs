using RlhfPlatform.Modeling.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling;

/// <summary>
/// The shared decoder (HF prefix "model."): token embedding, blocks, final norm. Policy, value and
/// reward models put their heads on its hidden states. Works with left padding (generation) and
/// right padding (training): positions count real tokens only, and padded keys are masked out.
/// </summary>
public sealed class DecoderBackbone : Module<Tensor, Tensor>
{
    readonly Embedding embed_tokens;
    readonly ModuleList<DecoderBlock> layers;
    readonly RmsNorm norm;

    public DecoderBackbone(ModelConfig config) : base(nameof(DecoderBackbone))
    {
        Config = config;
        embed_tokens = Embedding(config.VocabSize, config.HiddenSize);
        layers = new ModuleList<DecoderBlock>(Enumerable.Range(0, config.NumLayers).Select(i => new DecoderBlock(config, i)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public ModelConfig Config { get; }

    public Parameter EmbeddingWeight => embed_tokens.weight!;

    /// <summary>
    /// Recompute each block in backward instead of keeping its activations (only its input is kept);
    /// applies while autograd records and no KV cache is used. Off by default.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    public override Tensor forward(Tensor inputIds) => Forward(inputIds, ones_like(inputIds), null);

    /// <param name="inputIds">[B, T] token ids of this call</param>
    /// <param name="attentionMask">[B, S] 1 for real tokens, 0 for padding, covering cached positions and this call's (S = cached + T)</param>
    /// <param name="cache">optional KV cache; this call's keys and values are appended to it</param>
    /// <returns>final hidden states [B, T, H]</returns>
    public Tensor Forward(Tensor inputIds, Tensor attentionMask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long t = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        long s = attentionMask.shape[1];
        if (s != past + t)
            throw new ArgumentException($"attention mask covers {s} positions but the cache holds {past} and the input adds {t}");
        if (past + t > Config.MaxPositions)
            throw new ArgumentException($"sequence of {past + t} tokens exceeds max_position_embeddings {Config.MaxPositions}");

        var realKeys = attentionMask.to_type(ScalarType.Bool);
        var positions = attentionMask.to_type(ScalarType.Int64).cumsum(1).sub(TorchScalars.IntOne).clamp_min(TorchScalars.IntZero).narrow(1, past, t);
        var mask = BuildMask(realKeys, past, t);
        var x = embed_tokens.forward(inputIds);
        var (cos, sin) = RotaryEmbedding.Tables(positions, Config.HeadDim, Config.RopeTheta, x.dtype);
        bool checkpoint = GradientCheckpointing && cache is null && is_grad_enabled();
        foreach (var block in layers)
            x = checkpoint ? BlockCheckpoint.Run(block, x, cos, sin, mask) : block.Forward(x, cos, sin, mask, cache);
        cache?.Advance(t);
        return norm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>[B, 1, T, S]: causal over absolute positions, real keys only; every query sees itself so no row is empty.</summary>
    static Tensor BuildMask(Tensor realKeys, long past, long t)
    {
        long s = realKeys.shape[1];
        var queryIndex = ScalarOps.Range(past, past + t, realKeys.device).unsqueeze(1);
        var keyIndex = ScalarOps.Range(0, s, realKeys.device).unsqueeze(0);
        var causal = keyIndex.le(queryIndex);
        var self = keyIndex.eq(queryIndex);
        return causal.unsqueeze(0).logical_and(realKeys.unsqueeze(1)).logical_or(self.unsqueeze(0)).unsqueeze(1);
    }
}
