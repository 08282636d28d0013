using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

static class RunWaits
{
    /// <summary>Polls the run grain until the run ends; fails the test past the deadline.</summary>
    public static async Task<RunProgress> ForEndAsync(IClusterClient client, string runId, TimeSpan deadline)
    {
        var grain = client.GetGrain<IRunGrain>(runId);
        using var timeout = new CancellationTokenSource(deadline);
        while (true)
        {
            var progress = await grain.GetProgress();
            if (progress.Status.IsTerminal()) return progress;
            await Task.Delay(100, timeout.Token);
        }
    }
}
