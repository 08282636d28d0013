namespace RlhfPlatform.Contracts;

/// <summary>
/// Failures that mean a silo went away under a call (its grains reactivate elsewhere on the next call),
/// or that a grain lost what an earlier call set up (<see cref="TrainerStateLostException"/>), not that
/// the work itself failed: the caller redoes the step from committed state.
/// </summary>
public static class ClusterFaults
{
    public const int MaxRetries = 10;
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    public static bool IsTransient(Exception failure)
    {
        for (Exception? e = failure; e != null; e = e.InnerException)
            if (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException
                or Orleans.Runtime.Messaging.ConnectionFailedException or TrainerStateLostException)
                return true;
        return false;
    }
}
