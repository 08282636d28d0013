namespace RlhfPlatform.Modeling.Memory;

/// <summary>LoRA on some of a decoder's projections: each adapted Linear(in→out) adds A (r×in) and B (out×r).</summary>
public sealed record LoraShape(int Rank, IReadOnlyList<string> TargetModules, double Dropout = 0.0)
{
    public static readonly IReadOnlyList<string> AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];
}

/// <summary>Parameter counts of our modules from the config alone (no weights allocated: a 7B shape is just arithmetic).</summary>
public static class ParameterCounts
{
    /// <summary>Embedding, blocks and final norm (HF "model.").</summary>
    public static long Backbone(ModelConfig c) => (long)c.VocabSize * c.HiddenSize + c.NumLayers * Block(c) + c.HiddenSize;

    public static long Block(ModelConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKvHeads * c.HeadDim, i = c.IntermediateSize;
        long attention = h * q + 2 * h * kv + q * h
            + (c.QkvBias ? q + 2 * kv : 0) + (c.OutputProjectionBias ? h : 0) + (c.QkNorm ? 2L * c.HeadDim : 0);
        long mlp = 3 * h * i + (c.MlpBias ? 2 * i + h : 0);
        return attention + mlp + 2 * h;
    }

    /// <summary>The LM head's own weights: none when tied to the embedding.</summary>
    public static long LmHead(ModelConfig c) => c.TieWordEmbeddings ? 0 : (long)c.VocabSize * c.HiddenSize;

    public static long CausalLm(ModelConfig c) => Backbone(c) + LmHead(c);

    /// <summary>linear: H→1 without bias; mlp: H→1024 → 1024→1 with biases (see <see cref="Modeling.RewardModel"/>).</summary>
    public static long RewardHead(ModelConfig c, string head) => head == "mlp"
        ? (long)c.HiddenSize * Modeling.RewardModel.MlpHeadWidth + Modeling.RewardModel.MlpHeadWidth + Modeling.RewardModel.MlpHeadWidth + 1
        : c.HiddenSize;

    /// <summary>Backbone, LM head (kept for GRM) and reward head.</summary>
    public static long RewardModel(ModelConfig c, string head) => CausalLm(c) + RewardHead(c, head);

    public static long ValueHead(ModelConfig c) => c.HiddenSize + 1;

    /// <summary>Adapter parameters over every block.</summary>
    public static long Lora(ModelConfig c, LoraShape lora)
    {
        long h = c.HiddenSize, q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKvHeads * c.HeadDim, i = c.IntermediateSize;
        long perBlock = 0;
        foreach (string module in lora.TargetModules)
        {
            var (input, output) = ProjectionShape(module, h, q, kv, i);
            perBlock += lora.Rank * (input + output);
        }
        return c.NumLayers * perBlock;
    }

    /// <summary>(in, out) of a named projection; ArgumentException for a name our decoder does not have.</summary>
    public static (long In, long Out) ProjectionShape(string module, long h, long q, long kv, long i) => module switch
    {
        "q_proj" => (h, q),
        "k_proj" or "v_proj" => (h, kv),
        "o_proj" => (q, h),
        "gate_proj" or "up_proj" => (h, i),
        "down_proj" => (i, h),
        _ => throw new ArgumentException($"LoRA target '{module}' is not a projection of the decoder ({string.Join(", ", LoraShape.AllProjections)})"),
    };
}
