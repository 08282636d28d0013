using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo;

/// <summary>
/// At start-up, restarts the orchestrator of every run that was pending or running when the last
/// process stopped. Each resumes from what it committed (RunStages skips committed stages and
/// continues RL from the last committed policy version). Start() is idempotent and the run's driver
/// lease admits one driver, so several silos (or clusters) doing this at once is harmless.
/// </summary>
public sealed class RunResumer(IRunStore runs, IGrainFactory grains, ILogger<RunResumer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        foreach (var run in await runs.ListRunsAsync(null, ct))
        {
            if (run.Status.IsTerminal()) continue;
            logger.LogInformation("Resuming run {Run} ({Status}, stage {Stage})", run.RunId, run.Status.ToWire(), run.Stage.ToWire());
            await grains.GetGrain<IRunGrain>(run.RunId).Start();
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
