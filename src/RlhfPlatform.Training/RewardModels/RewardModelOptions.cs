namespace RlhfPlatform.Training.RewardModels;

/// <summary>Everything the reward-model trainer does besides the objective. Defaults follow BSR's RM recipe (linear decay, 5% warmup).</summary>
public sealed record RewardModelOptions
{
    public int Epochs { get; init; } = 1;
    /// <summary>Optimizer steps; when set it replaces <see cref="Epochs"/>.</summary>
    public int? MaxSteps { get; init; }
    /// <summary>Pairs per micro-batch: the B of BSR's λ·B·mean² term.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Micro-batches whose gradients are summed (each loss divided by this) before one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; }
    /// <summary>constant, linear or cosine (after warmup).</summary>
    public string Schedule { get; init; } = "linear";
    public double WarmupRatio { get; init; } = 0.05;
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Evaluate the eval sets every N optimizer steps (0: only when asked).</summary>
    public int EvalEvery { get; init; }
    /// <summary>Metric name (e.g. eval/id/accuracy) to stop on when it has not improved for <see cref="EarlyStopPatience"/> evaluations.</summary>
    public string? EarlyStopMetric { get; init; }
    public int EarlyStopPatience { get; init; } = 3;

    public RewardModelOptions Validate()
    {
        var problems = new List<string>();
        if (Epochs < 1 && MaxSteps is null) problems.Add($"epochs must be at least 1 (got {Epochs})");
        if (MaxSteps is < 1) problems.Add($"max steps must be at least 1 (got {MaxSteps})");
        if (BatchSize < 1) problems.Add($"batch size must be at least 1 (got {BatchSize})");
        if (GradientAccumulation < 1) problems.Add($"gradient accumulation must be at least 1 (got {GradientAccumulation})");
        if (LearningRate <= 0) problems.Add($"learning rate must be positive (got {LearningRate})");
        if (WeightDecay < 0) problems.Add($"weight decay must be non-negative (got {WeightDecay})");
        if (MaxGradNorm <= 0) problems.Add($"max grad norm must be positive (got {MaxGradNorm})");
        if (EvalEvery < 0) problems.Add($"eval-every must be non-negative (got {EvalEvery})");
        if (EarlyStopMetric != null && EvalEvery == 0) problems.Add("early stopping needs eval-every > 0");
        if (EarlyStopPatience < 1) problems.Add($"early-stop patience must be at least 1 (got {EarlyStopPatience})");
        if (!LearningRateSchedule.Kinds.Contains(Schedule)) problems.Add($"schedule must be one of {string.Join(", ", LearningRateSchedule.Kinds)} (got '{Schedule}')");
        if (WarmupRatio is < 0 or >= 1) problems.Add($"warmup ratio must be in [0, 1) (got {WarmupRatio})");
        if (problems.Count > 0) throw new ArgumentException("invalid reward-model training options: " + string.Join("; ", problems));
        return this;
    }
}
