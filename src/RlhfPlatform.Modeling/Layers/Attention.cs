using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// Multi-head causal self-attention with grouped-query heads, rotary positions and an optional KV cache;
/// Qwen3 also RMS-normalizes each query and key head (q_norm, k_norm) before the rotation.
/// </summary>
public sealed class Attention : Module<Tensor, Tensor>
{
    readonly Projection q_proj, k_proj, v_proj, o_proj;
    readonly RmsNorm? q_norm, k_norm;
    readonly int heads, kvHeads, headDim, layerIndex;

    public Attention(ModelConfig config, int layerIndex) : base(nameof(Attention))
    {
        heads = config.NumHeads;
        kvHeads = config.NumKvHeads;
        headDim = config.HeadDim;
        this.layerIndex = layerIndex;
        q_proj = new Projection(config.HiddenSize, heads * headDim, config.QkvBias);
        k_proj = new Projection(config.HiddenSize, kvHeads * headDim, config.QkvBias);
        v_proj = new Projection(config.HiddenSize, kvHeads * headDim, config.QkvBias);
        o_proj = new Projection(heads * headDim, config.HiddenSize, config.OutputProjectionBias);
        if (config.QkNorm)
        {
            q_norm = new RmsNorm(headDim, config.RmsNormEps);
            k_norm = new RmsNorm(headDim, config.RmsNormEps);
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        throw new NotSupportedException("Attention needs rotary tables and a mask: call Forward(x, cos, sin, mask, cache)");

    /// <param name="x">[B, T, H]</param>
    /// <param name="mask">boolean [B, 1, T, S], true where a query may attend a key; S = cached + T</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, heads, headDim);
        var k = k_proj.forward(x).view(b, t, kvHeads, headDim);
        if (q_norm is not null && k_norm is not null)
        {
            q = q_norm.forward(q);
            k = k_norm.forward(k);
        }
        q = q.transpose(1, 2);
        k = k.transpose(1, 2);
        var v = v_proj.forward(x).view(b, t, kvHeads, headDim).transpose(1, 2);
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache != null) (k, v) = cache.Append(layerIndex, k, v);
        var attended = heads == kvHeads
            ? functional.scaled_dot_product_attention(q, k, v, attn_mask: mask)
            : GroupedAttention(q, k, v, mask);
        return o_proj.forward(attended.transpose(1, 2).reshape(b, t, heads * headDim)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Grouped-query attention without copying keys and values per query head (TorchSharp's SDPA has
    /// no enable_gqa): the g query heads that share a key head are stacked along the query axis,
    /// [B, kvH, g·T, d], and the mask is tiled to match. Returns [B, H, T, d].
    /// </summary>
    Tensor GroupedAttention(Tensor q, Tensor k, Tensor v, Tensor mask)
    {
        long b = q.shape[0], t = q.shape[2];
        int groups = heads / kvHeads;
        var stacked = q.reshape(b, kvHeads, groups * t, headDim);
        var tiledMask = mask.repeat(1, 1, groups, 1);
        var attended = functional.scaled_dot_product_attention(stacked, k, v, attn_mask: tiledMask);
        return attended.reshape(b, heads, t, headDim);
    }
}
