using RlhfPlatform.Grains;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A stopping silo stops its run drivers at their step boundary and waits for them, for at most its shutdown time.</summary>
public sealed class LocalDriversTests
{
    /// <summary>A stand-in for RunStages' loop: steps of <paramref name="stepMs"/> until its stop token is cancelled at a boundary.</summary>
    static async Task<int> DriverAsync(CancellationToken stop, int stepMs)
    {
        int steps = 0;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(stepMs, CancellationToken.None);
            steps++;
        }
        return steps;
    }

    [Fact]
    public async Task StopAllStopsEveryDriverAtItsBoundaryAndWaitsForIt()
    {
        var drivers = new LocalDrivers();
        var stops = new[] { new CancellationTokenSource(), new CancellationTokenSource() };
        var tasks = stops.Select(s => DriverAsync(s.Token, 50)).ToArray();
        drivers.Add(stops[0], tasks[0]);
        drivers.Add(stops[1], tasks[1]);
        Assert.False(drivers.Stopping);

        Assert.True(await drivers.StopAllAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.All(tasks, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.All(stops, s => Assert.True(s.IsCancellationRequested));
        Assert.True(drivers.Stopping);

        // A driver that starts on the stopping silo is told to stop at once.
        var late = new CancellationTokenSource();
        drivers.Add(late, DriverAsync(late.Token, 50));
        Assert.True(late.IsCancellationRequested);
    }

    [Fact]
    public async Task StopAllGivesUpAfterItsTimeoutOnADriverThatDoesNotReachABoundary()
    {
        var drivers = new LocalDrivers();
        var stuck = new TaskCompletionSource();
        drivers.Add(new CancellationTokenSource(), stuck.Task);
        Assert.False(await drivers.StopAllAsync(TimeSpan.FromMilliseconds(200), CancellationToken.None));
        stuck.SetResult();

        // A driver that failed has still ended: the silo does not wait for it.
        var failing = new LocalDrivers();
        failing.Add(new CancellationTokenSource(), Task.FromException(new InvalidOperationException("its run failed")));
        Assert.True(await failing.StopAllAsync(TimeSpan.FromSeconds(30), CancellationToken.None));
    }
}
