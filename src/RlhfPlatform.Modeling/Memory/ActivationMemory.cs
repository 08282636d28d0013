namespace RlhfPlatform.Modeling.Memory;

/// <summary>What a training forward leaves for backward, and what comes and goes on top of it.</summary>
/// <param name="SavedBytes">held from the end of the forward until backward frees it</param>
/// <param name="TransientBytes">the largest extra at one moment: the logits and their gradient, or (checkpointing) one block's recomputed activations</param>
/// <param name="PerLayerBytes">one block's share of <paramref name="SavedBytes"/></param>
public sealed record ActivationEstimate(long SavedBytes, long TransientBytes, long PerLayerBytes);

/// <summary>
/// Activation bytes of our decoder's training forward, counted from what autograd keeps (measured per
/// op on CPU, libtorch 2.10). Per block, N = batch·seq tokens, q = heads·headDim, kv = kvHeads·headDim,
/// elements of the model dtype:
///   N·(6H + 2q + 2kv + 4I): the block input, both RMSNorms' normalised rows and outputs, the residual
///   sum, the rotated queries and keys, the values, SDPA's output, the MLP's gate, silu, up and product;
///   + N·q for the o_proj input copy under grouped-query attention; + N·2(q + kv) with Qwen3's q/k norms;
///   + batch·groups·seq² for the boolean mask SDPA converts to an additive one and keeps;
///   + N·heads fp32 for SDPA's log-sum-exp.
/// With checkpointing a block keeps only its input (N·H) and the random state (5 KB); its full share
/// comes back for the duration of its recomputation. Outside the blocks: the embedding output, rotary
/// tables (2·N·headDim), the final norm (2·N·H), and for an LM loss the fp32 log-softmax over the
/// vocabulary, batch·(seq-1)·V·4 (the logits themselves, batch·seq·V, live only until it is taken).
/// </summary>
public static class ActivationMemory
{
    /// <summary>torch's CPU generator state (mt19937), saved per checkpointed block.</summary>
    public const long RandomStateBytes = 5056;

    /// <param name="elementBytes">bytes of the model dtype (4 for float32, 2 for bfloat16/float16)</param>
    /// <param name="lmLogits">whether the loss reads the LM head (policy, SFT, GRM); false for a reward or value head alone</param>
    public static ActivationEstimate Training(ModelConfig c, int elementBytes, long batch, long sequenceLength, bool gradientCheckpointing,
        bool lmLogits, LoraShape? lora = null)
    {
        long s = elementBytes, n = batch * sequenceLength, h = c.HiddenSize, d = c.HeadDim;
        long q = (long)c.NumHeads * d, kv = (long)c.NumKvHeads * d, i = c.IntermediateSize;
        long groups = c.NumHeads / c.NumKvHeads;
        long perToken = 6 * h + 2 * q + 2 * kv + 4 * i + (groups > 1 ? q : 0) + (c.QkNorm ? 2 * (q + kv) : 0);
        long fullLayer = n * perToken * s + batch * groups * sequenceLength * sequenceLength * s + n * c.NumHeads * 4 + LoraPerLayer(c, lora, n, s);
        long keptLayer = gradientCheckpointing ? n * h * s + RandomStateBytes : fullLayer;
        long mask = gradientCheckpointing ? batch * sequenceLength * sequenceLength : 0; // the boolean mask is kept as a checkpoint constant
        long outside = n * h * s + 2 * n * d * s + 2 * n * h * s + mask;
        long logSoftmax = lmLogits ? batch * (sequenceLength - 1) * c.VocabSize * 4 : batch * h * s;
        long logitsTransient = lmLogits ? n * c.VocabSize * s + batch * (sequenceLength - 1) * c.VocabSize * 4 : 0;
        long transient = Math.Max(logitsTransient, gradientCheckpointing ? fullLayer : 0);
        return new ActivationEstimate(c.NumLayers * keptLayer + outside + logSoftmax, transient, keptLayer);
    }

    /// <summary>
    /// Peak of a forward without autograd (reference log-probs, reward scoring, prefill), an estimate not
    /// measured: the residual stream and one block's working set (its MLP's gate, up and product, the
    /// attention's q, k, v and output, the additive mask), plus the logits and their fp32 log-softmax.
    /// </summary>
    public static long Inference(ModelConfig c, int elementBytes, long batch, long sequenceLength, bool lmLogits)
    {
        long s = elementBytes, n = batch * sequenceLength, h = c.HiddenSize;
        long q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKvHeads * c.HeadDim, groups = c.NumHeads / c.NumKvHeads;
        long block = n * (3L * c.IntermediateSize + 2 * h + 2 * q + 2 * kv) * s + batch * groups * sequenceLength * sequenceLength * s;
        long logits = lmLogits ? n * c.VocabSize * (s + 4) : 0;
        return 2 * n * h * s + block + logits;
    }

    /// <summary>Per adapted projection: A's output (N·r), and with dropout its input's dropped copy and mask (N·in·(s + 1)).</summary>
    static long LoraPerLayer(ModelConfig c, LoraShape? lora, long n, long s)
    {
        if (lora is null) return 0;
        long h = c.HiddenSize, q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKvHeads * c.HeadDim, i = c.IntermediateSize;
        long bytes = 0;
        foreach (string module in lora.TargetModules)
        {
            var (input, _) = ParameterCounts.ProjectionShape(module, h, q, kv, i);
            bytes += n * lora.Rank * s + (lora.Dropout > 0 ? n * input * (s + 1) : 0);
        }
        return bytes;
    }

    /// <summary>Keys and values of every layer for a generation batch: layers·2·batch·kvHeads·positions·headDim elements.</summary>
    public static long KvCacheBytes(ModelConfig c, long batch, long positions, int elementBytes) =>
        (long)c.NumLayers * 2 * batch * c.NumKvHeads * positions * c.HeadDim * elementBytes;
}
