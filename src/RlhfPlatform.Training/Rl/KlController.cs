namespace RlhfPlatform.Training.Rl;

/// <summary>
/// The KL coefficient β. Fixed when Target is null; otherwise Ziegler et al. (2019)'s proportional controller:
///   e_t = clip(KL_t / KL_target - 1, -0.2, 0.2),   β_{t+1} = β_t · (1 + e_t · n_t / horizon)
/// with n_t the number of samples in the step.
/// </summary>
public sealed class KlController
{
    public const double ErrorClip = 0.2;
    readonly double? target;
    readonly double horizon;

    public KlController(double initial, double? target = null, double horizon = 10000)
    {
        if (initial < 0) throw new ArgumentException($"KL coefficient must be non-negative (got {initial})");
        if (target is <= 0) throw new ArgumentException($"KL target must be positive (got {target})");
        if (horizon <= 0) throw new ArgumentException($"KL horizon must be positive (got {horizon})");
        Value = initial;
        this.target = target;
        this.horizon = horizon;
    }

    public double Value { get; private set; }

    public bool IsAdaptive => target is not null;

    public void Update(double observedKl, int samples)
    {
        if (target is not double t) return;
        double error = Math.Clamp(observedKl / t - 1, -ErrorClip, ErrorClip);
        Value *= 1 + error * samples / horizon;
    }

    /// <summary>Sets the coefficient an interrupted controller had reached (a resumed run continues from it).</summary>
    public void Restore(double value)
    {
        if (!(value >= 0) || double.IsInfinity(value)) throw new InvalidDataException($"a saved KL coefficient must be finite and non-negative (got {value})");
        Value = value;
    }
}
