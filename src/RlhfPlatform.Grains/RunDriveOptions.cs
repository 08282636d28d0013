namespace RlhfPlatform.Grains;

/// <summary>How often a reminder re-drives each unfinished run (Rlhf:Runs:DrivePeriodSeconds): the bound on how long a run stays without a driver after its silo dies.</summary>
public sealed class RunDriveOptions
{
    public TimeSpan Period { get; init; } = TimeSpan.FromMinutes(1);
}
