namespace RlhfPlatform.Cli.Plan;

/// <summary>
/// One role's device memory, in bytes. Mixed precision (bfloat16/float16) keeps an fp32 master copy of
/// the trainable weights and fp32 AdamW moments; float32 keeps the moments in float32 and no copy.
/// </summary>
public sealed record RoleMemory
{
    public required string Role { get; init; }
    public required string Dtype { get; init; }
    public required long Parameters { get; init; }
    public required long TrainableParameters { get; init; }
    /// <summary>Rows of the largest forward (micro-batch for training, the whole batch for scoring and generation).</summary>
    public required long Rows { get; init; }
    public required long SequenceLength { get; init; }
    public required bool GradientCheckpointing { get; init; }
    public required long WeightBytes { get; init; }
    public long GradientBytes { get; init; }
    /// <summary>AdamW's two moments.</summary>
    public long OptimizerBytes { get; init; }
    public long MasterWeightBytes { get; init; }
    /// <summary>Training: held from forward to backward; inference: the forward's peak working set.</summary>
    public long ActivationBytes { get; init; }
    /// <summary>On top, for a moment: the logits and their gradient, or one checkpointed block's recomputation.</summary>
    public long TransientBytes { get; init; }
    public long KvCacheBytes { get; init; }

    public long TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + MasterWeightBytes + ActivationBytes + TransientBytes + KvCacheBytes;
}

/// <summary>Every role of a run spec, and whether each (and all together) fits a device.</summary>
public sealed record MemoryPlan(string Source, string? NamedModel, long DeviceMemoryBytes, IReadOnlyList<RoleMemory> Roles)
{
    public long TotalBytes => Roles.Sum(r => r.TotalBytes);

    public bool Fits(RoleMemory role) => role.TotalBytes <= DeviceMemoryBytes;

    public bool AllFitTogether => TotalBytes <= DeviceMemoryBytes;
}
