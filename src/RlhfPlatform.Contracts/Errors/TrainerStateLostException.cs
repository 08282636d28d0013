namespace RlhfPlatform.Contracts;

/// <summary>
/// An update reached a policy-trainer activation that never began RL: the one BeginRl set up was
/// deactivated in between (its silo stopping, say). Like a lost silo, the driver begins again from
/// committed state and redoes the step.
/// </summary>
[GenerateSerializer, Alias("rlhf.TrainerStateLostException")]
public sealed class TrainerStateLostException : Exception
{
    public TrainerStateLostException(string message) : base(message) { }
}
