using System.Text.Json.Serialization;

namespace RlhfPlatform.Modeling;

/// <summary>
/// Shape of a Llama-family decoder. JSON names follow HF's config.json so a checkpoint folder can
/// leave the platform; fields HF does not have are ours (reward head).
/// </summary>
public sealed record ModelConfig
{
    [JsonPropertyName("architectures")] public string[] Architectures { get; init; } = ["LlamaForCausalLM"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "llama";
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; }
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 64;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 172;
    [JsonPropertyName("num_hidden_layers")] public int NumLayers { get; init; } = 2;
    [JsonPropertyName("num_attention_heads")] public int NumHeads { get; init; } = 4;
    [JsonPropertyName("num_key_value_heads")] public int NumKvHeads { get; init; } = 4;
    [JsonPropertyName("max_position_embeddings")] public int MaxPositions { get; init; } = 64;
    [JsonPropertyName("rope_theta")] public double RopeTheta { get; init; } = 10000.0;
    [JsonPropertyName("rms_norm_eps")] public double RmsNormEps { get; init; } = 1e-5;
    [JsonPropertyName("tie_word_embeddings")] public bool TieWordEmbeddings { get; init; }
    /// <summary>HF Llama's flag: bias on q, k, v and o projections. Qwen2 has q/k/v biases whatever this says (see <see cref="QkvBias"/>).</summary>
    [JsonPropertyName("attention_bias")] public bool AttentionBias { get; init; }
    [JsonPropertyName("mlp_bias")] public bool MlpBias { get; init; }
    /// <summary>Per-head width when it is not hidden_size / num_attention_heads (HF's optional head_dim).</summary>
    [JsonPropertyName("head_dim"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ExplicitHeadDim { get; init; }
    [JsonPropertyName("bos_token_id")] public int BosTokenId { get; init; }
    /// <summary>Every id that ends a sequence; HF writes one id or a list (Llama 3: end_of_text and eot).</summary>
    [JsonPropertyName("eos_token_id"), JsonConverter(typeof(TokenIdListConverter))] public int[] EosTokenIds { get; init; } = [0];
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; init; }
    [JsonPropertyName("torch_dtype")] public string TorchDtype { get; init; } = "float32";
    /// <summary>"none" for a policy; "linear" or "mlp" for a reward model (METHODS.md).</summary>
    [JsonPropertyName("rlhf_reward_head")] public string RewardHead { get; init; } = "none";

    /// <summary>The main end-of-sequence id (the first of <see cref="EosTokenIds"/>).</summary>
    [JsonIgnore] public int EosTokenId { get => EosTokenIds[0]; init => EosTokenIds = [value]; }

    [JsonIgnore] public int HeadDim => ExplicitHeadDim ?? HiddenSize / NumHeads;

    /// <summary>Qwen2 puts biases on q, k and v but not on o; Llama's attention_bias puts them on all four.</summary>
    [JsonIgnore] public bool QkvBias => AttentionBias || ModelType == "qwen2";

    [JsonIgnore] public bool OutputProjectionBias => AttentionBias && ModelType != "qwen2";

    /// <summary>Qwen3 RMS-normalizes each head's query and key (q_norm, k_norm over head_dim) before the rotary embedding.</summary>
    [JsonIgnore] public bool QkNorm => ModelType == "qwen3";

    /// <summary>Raises ArgumentException naming every inconsistent field.</summary>
    public ModelConfig Validate()
    {
        var problems = new List<string>();
        if (VocabSize <= 0) problems.Add($"vocab_size must be positive (got {VocabSize})");
        if (HiddenSize <= 0 || NumHeads <= 0 || (ExplicitHeadDim is null && HiddenSize % NumHeads != 0))
            problems.Add($"hidden_size ({HiddenSize}) must be a positive multiple of num_attention_heads ({NumHeads}) unless head_dim is given");
        else if (HeadDim <= 0 || HeadDim % 2 != 0) problems.Add($"head size {HeadDim} must be positive and even for rotary embeddings");
        if (NumKvHeads <= 0 || NumHeads % NumKvHeads != 0)
            problems.Add($"num_attention_heads ({NumHeads}) must be a multiple of num_key_value_heads ({NumKvHeads})");
        if (NumLayers <= 0) problems.Add($"num_hidden_layers must be positive (got {NumLayers})");
        if (MaxPositions <= 0) problems.Add($"max_position_embeddings must be positive (got {MaxPositions})");
        if (EosTokenIds.Length == 0) problems.Add("eos_token_id must name at least one id");
        if (RewardHead is not ("none" or "linear" or "mlp")) problems.Add($"rlhf_reward_head must be none, linear or mlp (got '{RewardHead}')");
        if (problems.Count > 0) throw new ArgumentException("invalid model config: " + string.Join("; ", problems));
        return this;
    }

    /// <summary>A small model sized for the CPU: SwiGLU width about 8/3 of the hidden size.</summary>
    public static ModelConfig Small(int vocabSize, int dim, int layers, int heads, int maxPositions, int bos, int eos, int pad) => new()
    {
        VocabSize = vocabSize,
        HiddenSize = dim,
        IntermediateSize = (dim * 8 / 3 + 7) / 8 * 8,
        NumLayers = layers,
        NumHeads = heads,
        NumKvHeads = heads,
        MaxPositions = maxPositions,
        BosTokenId = bos,
        EosTokenId = eos,
        PadTokenId = pad,
    };
}
