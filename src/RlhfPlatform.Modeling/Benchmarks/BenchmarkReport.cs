namespace RlhfPlatform.Modeling.Benchmarks;

// Every figure's name ends with its unit, so the JSON form is self-describing.

public sealed record BenchmarkReport(
    BenchmarkEnvironment Environment,
    GemmReport Gemm,
    TrainStepReport Train,
    DecodeReport Decode,
    BatchThroughputReport BatchGeneration,
    CheckpointReport Checkpointing);

/// <summary>Load averages (Linux, else -1) before and after: the machine may be shared, and contention skews every figure.</summary>
public sealed record BenchmarkEnvironment(
    string Device, int TorchThreads, int LogicalProcessors, bool Quick, double TotalSeconds, double LoadAverage1mAtStart, double LoadAverage1mAtEnd);

public sealed record GemmSizeResult(int N, double BestSeconds, double GflopsPerSecond);

/// <summary>Square fp32 matmuls (2·n³ FLOPs each); the best size is the process's practical peak. The bf16 peak is the same size's bf16 matmul.</summary>
public sealed record GemmReport(IReadOnlyList<GemmSizeResult> Sizes, double PeakGflopsPerSecond, double Bf16PeakGflopsPerSecond);

public sealed record TrainSizeResult(
    string Name, long Parameters, long MatmulParameters, int Batch, int SequenceLength,
    double BestSecondsPerStep, double MeanSecondsPerStep, double TokensPerSecond, double GflopPerStep, double AchievedGflopsPerSecond, double RatioToGemmPeak,
    string Variant, long TrainableParameters, double RatioToSamePrecisionGemmPeak);

public sealed record TrainStepReport(string FlopFormula, IReadOnlyList<TrainSizeResult> Sizes);

/// <summary>Decode figures for the first <see cref="NewTokens"/> steps; start and end are the mean step time over the first and last tenth of them.</summary>
public sealed record DecodeLengthResult(int NewTokens, double TokensPerSecond, double MillisecondsPerTokenAtStart, double MillisecondsPerTokenAtEnd, double EndToStartRatio);

public sealed record DecodeModeResult(bool KvCache, IReadOnlyList<DecodeLengthResult> Lengths);

public sealed record DecodeReport(string Model, long Parameters, int PromptTokens, int Batch, string Method, IReadOnlyList<DecodeModeResult> Modes);

public sealed record BatchSizeResult(int Batch, double Seconds, double TokensPerSecond, double MillisecondsPerStep);

public sealed record BatchThroughputReport(string Model, int NewTokensPerRow, int PromptTokens, IReadOnlyList<BatchSizeResult> Sizes);

public sealed record CheckpointSizeResult(
    string Name, int Batch, int SequenceLength,
    double ActivationBytesPerToken, double CheckpointedActivationBytesPerToken,
    double PlannedActivationBytesPerToken, double PlannedCheckpointedActivationBytesPerToken,
    double BestSecondsPerStep, double CheckpointedBestSecondsPerStep, double CheckpointedStepTimeRatio);

/// <summary>Training-step memory per token and time, with and without gradient checkpointing (<see cref="CheckpointBenchmark"/>).</summary>
public sealed record CheckpointReport(string Method, IReadOnlyList<CheckpointSizeResult> Sizes);
