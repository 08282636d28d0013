using RlhfPlatform.Modeling;

namespace RlhfPlatform.Cli.Plan;

/// <summary>
/// Public HF shapes `rlhf plan --model` knows without a folder: the numbers of each model's
/// config.json on the Hugging Face hub (Qwen/Qwen2.5-0.5B, Qwen/Qwen2.5-1.5B, Qwen/Qwen2.5-7B,
/// meta-llama/Meta-Llama-3-8B). Token ids do not change memory and are left at zero.
/// </summary>
public static class NamedShapes
{
    public static IReadOnlyDictionary<string, ModelConfig> All { get; } = new Dictionary<string, ModelConfig>(StringComparer.OrdinalIgnoreCase)
    {
        ["qwen2.5-0.5b"] = Qwen2(hidden: 896, intermediate: 4864, layers: 24, heads: 14, kvHeads: 2, vocab: 151936, context: 32768, tied: true),
        ["qwen2.5-1.5b"] = Qwen2(hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, vocab: 151936, context: 131072, tied: true),
        ["qwen2.5-7b"] = Qwen2(hidden: 3584, intermediate: 18944, layers: 28, heads: 28, kvHeads: 4, vocab: 152064, context: 131072, tied: false),
        ["llama3-8b"] = new ModelConfig
        {
            ModelType = "llama", HiddenSize = 4096, IntermediateSize = 14336, NumLayers = 32, NumHeads = 32, NumKvHeads = 8,
            VocabSize = 128256, MaxPositions = 8192, RopeTheta = 500000, TieWordEmbeddings = false, TorchDtype = "bfloat16",
        },
    };

    static ModelConfig Qwen2(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int context, bool tied) => new()
    {
        Architectures = ["Qwen2ForCausalLM"], ModelType = "qwen2", HiddenSize = hidden, IntermediateSize = intermediate, NumLayers = layers,
        NumHeads = heads, NumKvHeads = kvHeads, VocabSize = vocab, MaxPositions = context, RopeTheta = 1_000_000, RmsNormEps = 1e-6,
        TieWordEmbeddings = tied, TorchDtype = "bfloat16",
    };

    public static ModelConfig Get(string name) => All.TryGetValue(name, out var config)
        ? config
        : throw new ArgumentException($"--model '{name}' is not a known shape (known: {string.Join(", ", All.Keys)})");
}
