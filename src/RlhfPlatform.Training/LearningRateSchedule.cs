namespace RlhfPlatform.Training;

/// <summary>
/// Learning-rate multipliers with linear warmup, as HF's schedulers: for 0-based step s of S total
/// with W warmup steps, s &lt; W gives s / W; after it, constant 1, linear (S - s) / (S - W), or
/// cosine ½(1 + cos(π (s - W) / (S - W))).
/// </summary>
public sealed class LearningRateSchedule
{
    public static readonly IReadOnlyList<string> Kinds = ["constant", "linear", "cosine"];

    readonly string kind;
    readonly int totalSteps;

    public LearningRateSchedule(string kind, int totalSteps, double warmupRatio)
    {
        if (!Kinds.Contains(kind)) throw new ArgumentException($"unknown learning-rate schedule '{kind}' (one of: {string.Join(", ", Kinds)})");
        if (warmupRatio is < 0 or >= 1) throw new ArgumentException($"warmup ratio must be in [0, 1) (got {warmupRatio})");
        this.kind = kind;
        this.totalSteps = Math.Max(1, totalSteps);
        WarmupSteps = (int)Math.Ceiling(warmupRatio * this.totalSteps);
    }

    public int WarmupSteps { get; }

    public double Factor(int step)
    {
        if (step < WarmupSteps) return step / (double)WarmupSteps;
        double progress = Math.Clamp((step - WarmupSteps) / (double)Math.Max(1, totalSteps - WarmupSteps), 0, 1);
        return kind switch
        {
            "linear" => 1 - progress,
            "cosine" => 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => 1,
        };
    }
}
