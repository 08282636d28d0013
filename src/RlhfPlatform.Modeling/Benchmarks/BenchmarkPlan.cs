namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>One model shape for the training-step benchmark and the batch it trains on.</summary>
public sealed record TrainSize(string Name, int Hidden, int Layers, int Heads, int Vocab, int Batch, int SequenceLength);

/// <summary>What `rlhf bench model` measures: the full plan for the closing figures, a quick one for smoke tests.</summary>
public sealed record BenchmarkPlan
{
    public required bool Quick { get; init; }
    public required int[] GemmSizes { get; init; }
    /// <summary>Each GEMM size repeats until at least this long; the best repetition counts.</summary>
    public required double GemmSecondsPerSize { get; init; }
    public required TrainSize[] TrainSizes { get; init; }
    public required int TrainSteps { get; init; }
    /// <summary>The model that decodes (policy-sized for a CPU): used by the decode and batch sections.</summary>
    public required TrainSize DecodeModel { get; init; }
    public required int[] DecodeLengths { get; init; }
    public required int[] BatchSizes { get; init; }
    public required int BatchNewTokens { get; init; }
    public int PromptLength { get; init; } = 16;

    public static BenchmarkPlan Full { get; } = new()
    {
        Quick = false,
        GemmSizes = [256, 512, 1024, 2048],
        GemmSecondsPerSize = 1.0,
        TrainSizes =
        [
            new("d128-L4", Hidden: 128, Layers: 4, Heads: 4, Vocab: 1024, Batch: 8, SequenceLength: 128),
            new("d256-L4", Hidden: 256, Layers: 4, Heads: 8, Vocab: 1024, Batch: 8, SequenceLength: 256),
            new("d512-L4", Hidden: 512, Layers: 4, Heads: 8, Vocab: 1024, Batch: 4, SequenceLength: 256),
        ],
        TrainSteps = 5,
        // Small enough that decoding 1024 tokens without a cache (about 1.4 TFLOP) takes under a minute.
        DecodeModel = new("d128-L4", Hidden: 128, Layers: 4, Heads: 4, Vocab: 1024, Batch: 1, SequenceLength: 1024),
        DecodeLengths = [128, 512, 1024],
        BatchSizes = [1, 2, 4, 8, 16, 32, 64],
        BatchNewTokens = 64,
    };

    public static BenchmarkPlan QuickPlan { get; } = new()
    {
        Quick = true,
        GemmSizes = [128, 256],
        GemmSecondsPerSize = 0.1,
        TrainSizes = [new("d64-L2", Hidden: 64, Layers: 2, Heads: 4, Vocab: 256, Batch: 2, SequenceLength: 32)],
        TrainSteps = 2,
        DecodeModel = new("d64-L2", Hidden: 64, Layers: 2, Heads: 4, Vocab: 256, Batch: 1, SequenceLength: 64),
        DecodeLengths = [16, 32, 64],
        BatchSizes = [1, 4],
        BatchNewTokens = 8,
        PromptLength = 8,
    };

    /// <summary>A causal LM of the given shape (grouped-query attention with half as many KV heads, Llama-style).</summary>
    public static ModelConfig ConfigFor(TrainSize size, int maxPositions) => ModelConfig.Small(
        size.Vocab, size.Hidden, size.Layers, size.Heads, maxPositions, bos: 0, eos: 1, pad: 2) with { NumKvHeads = Math.Max(1, size.Heads / 2) };
}
