namespace RlhfPlatform.Training.Rl;

/// <summary>
/// How an RL trainer's learning rate moves over the run: a <see cref="LearningRateSchedule"/> (constant,
/// linear or cosine after linear warmup) over the run's TotalSteps policy updates. The default keeps it
/// constant; BSR's RLOO recipe is Kind "linear" with WarmupRatio 0.03. FirstStep counts the updates made
/// before this trainer existed (a resumed run), so the schedule continues where the run was.
/// </summary>
public sealed record RlLearningRateSchedule
{
    public string Kind { get; init; } = "constant";
    public double WarmupRatio { get; init; }
    /// <summary>Policy updates in the whole run; needed by every schedule except constant without warmup.</summary>
    public int TotalSteps { get; init; }
    public int FirstStep { get; init; }

    bool NeedsLength => Kind != "constant" || WarmupRatio > 0;

    public LearningRateSchedule Create()
    {
        if (NeedsLength && TotalSteps < 1)
            throw new ArgumentException($"the '{Kind}' learning-rate schedule (warmup ratio {WarmupRatio}) needs the run's total RL steps (got {TotalSteps})");
        if (FirstStep < 0) throw new ArgumentException($"first step must be non-negative (got {FirstStep})");
        return new LearningRateSchedule(Kind, TotalSteps, WarmupRatio);
    }
}
