using System.Collections.Concurrent;

namespace RlhfPlatform.Grains;

/// <summary>
/// The run drivers of this silo (<see cref="RunGrain"/>). A silo that is stopping tells each to stop at
/// its next step boundary and waits for them before Orleans deactivates any grain, so the trainer,
/// generators and scorer a driver calls are still here for the step in flight and its commit: deactivated
/// first, a trainer would come back elsewhere without the step's state and the step would be redone.
/// </summary>
public sealed class LocalDrivers
{
    readonly ConcurrentDictionary<CancellationTokenSource, Task> running = new();
    volatile bool stopping;

    /// <summary>This silo is stopping: no driver should start here.</summary>
    public bool Stopping => stopping;

    /// <summary>A driver that stops at its step boundary when <paramref name="stop"/> is cancelled; on a stopping silo, at once.</summary>
    public void Add(CancellationTokenSource stop, Task driver)
    {
        running[stop] = driver;
        driver.ContinueWith(_ => running.TryRemove(stop, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (stopping) stop.Cancel();
    }

    /// <summary>Stops every driver at its step boundary; true when all stopped within <paramref name="timeout"/>.</summary>
    public async Task<bool> StopAllAsync(TimeSpan timeout, CancellationToken ct)
    {
        stopping = true;
        foreach (var stop in running.Keys) stop.Cancel();
        var drivers = running.Values.ToArray();
        // A driver's own failure is its run's to record: here only whether it ended counts.
        var ended = Task.WhenAll(drivers.Select(d => d.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
        try
        {
            await ended.WaitAsync(timeout, ct);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }
}
