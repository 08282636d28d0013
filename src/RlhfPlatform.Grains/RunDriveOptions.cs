namespace RlhfPlatform.Grains;

/// <summary>How often a reminder re-drives each unfinished run (Rlhf:Runs:DrivePeriodSeconds): the bound on how long a run stays without a driver after its silo dies.</summary>
public sealed class RunDriveOptions
{
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a driver's lease lasts unrenewed (it is renewed every third of it): after a driver dies,
    /// another takes the run over at the first reminder tick past this (Rlhf:Runs:LeaseSeconds).
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Runs driven at once across every process on the run store (Rlhf:Runs:MaxDriven); the others wait, queued.</summary>
    public int MaxDrivenRuns { get; init; } = 32;

    /// <summary>A stage's background job (SFT, reward model, evaluation) that reports no new step for this long fails the run (Rlhf:Runs:StallSeconds).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a stopping silo waits for its drivers to reach a step boundary (Rlhf:Silo:ShutdownSeconds).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
