using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RlhfPlatform.Grains;

/// <summary>
/// On SIGTERM, before any hosted service stops (the Orleans silo among them), lets this silo's run
/// drivers reach their step boundary (<see cref="LocalDrivers"/>), for at most the silo's shutdown time.
/// </summary>
public sealed class DriverDrain(LocalDrivers drivers, RunDriveOptions drive, ILogger<DriverDrain> logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken ct)
    {
        if (await drivers.StopAllAsync(drive.StopTimeout, ct)) return;
        logger.LogWarning("Not every run driver reached a step boundary within {Seconds} s; their silo stops anyway and the steps in flight are redone elsewhere",
            drive.StopTimeout.TotalSeconds);
    }

    public Task StartingAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;
}
