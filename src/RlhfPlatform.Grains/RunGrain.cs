using Microsoft.Extensions.Logging;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains.Placement;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Grains;

/// <summary>
/// The run's orchestrator. Start() launches a driver inside the activation that walks the stages
/// (sft → reward-model → policy → evaluation), calling one grain per role; every stage commits its
/// output (checkpoints, metrics, stage) to the stores, so a restarted driver skips what was committed
/// and continues RL from the last committed policy version. A reminder ("drive") re-drives the run
/// while it is unfinished: when the silo hosting this grain dies, the reminder activates it on another
/// silo, which resumes from what was committed.
/// </summary>
[LightWork]
public sealed class RunGrain(IRunStore runs, ComputeQueue compute, CheckpointFiles files, RunDriveOptions drive, ILogger<RunGrain> logger)
    : Grain, IRunGrain, IRemindable
{
    const string DriveReminder = "drive";

    Task? driver;
    CancellationTokenSource? cancellation;
    RunProgress? progress;

    string RunId => this.GetPrimaryKeyString();

    public async Task Start()
    {
        if (driver is { IsCompleted: false }) return;
        var run = await runs.GetRunAsync(RunId) ?? throw new RunNotFoundException(RunId);
        if (run.Status.IsTerminal()) return;
        await this.RegisterOrUpdateReminder(DriveReminder, drive.Period, drive.Period);
        cancellation = new CancellationTokenSource();
        progress = new RunProgress(RunId, RunStatus.Running, run.Stage, 0, 0, null);
        driver = DriveAsync(run, cancellation.Token);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DriveReminder) return;
        var run = await runs.GetRunAsync(RunId);
        if (run == null || run.Status.IsTerminal())
        {
            if (await this.GetReminder(DriveReminder) is { } reminder) await this.UnregisterReminder(reminder);
            return;
        }
        if (driver is { IsCompleted: false }) return;
        logger.LogInformation("Run {Run} has no driver ({Status}, stage {Stage}): resuming it", RunId, run.Status.ToWire(), run.Stage.ToWire());
        await runs.AppendEventAsync(RunId, RunMetrics.Event("resuming", "resumed by its reminder (its driver's silo went away)"));
        await Start();
    }

    public async Task<RunProgress> GetProgress()
    {
        if (progress != null && driver is { IsCompleted: false }) return progress;
        var run = await runs.GetRunAsync(RunId) ?? throw new RunNotFoundException(RunId);
        return new RunProgress(RunId, run.Status, run.Stage, progress?.Step ?? 0, progress?.TotalSteps ?? 0, run.Error);
    }

    public async Task<bool> Cancel()
    {
        var run = await runs.GetRunAsync(RunId) ?? throw new RunNotFoundException(RunId);
        bool changed = await runs.UpdateRunAsync(RunId, RunStatus.Cancelled, run.Stage, "cancelled by request");
        if (changed) await runs.AppendEventAsync(RunId, RunMetrics.Event("cancelled", "run cancelled by request"));
        cancellation?.Cancel();
        return changed;
    }

    async Task DriveAsync(RunRecord run, CancellationToken ct)
    {
        try
        {
            var spec = System.Text.Json.JsonSerializer.Deserialize<RunSpec>(run.SpecJson, RunSpecParser.JsonOptions)
                ?? throw new InvalidDataException("the recorded run spec is empty");
            // Pushed data (blob: URIs) is read from this silo's local copies; the recorded spec keeps the URIs.
            spec = await PushedData.ResolveAsync(spec, files, ct);
            var stages = new RunStages(RunId, spec, runs, GrainFactory, compute, ReportAsync, ct);
            await stages.RunAsync();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogInformation("Run {Run} cancelled", RunId);
        }
        catch (Exception e)
        {
            string error = ErrorText.Of((progress?.Stage ?? run.Stage).ToWire(), e);
            // One line by default; the stack trace only when debug logging asks for it.
            logger.LogError("Run {Run} failed: {Error}", RunId, error);
            logger.LogDebug(e, "Run {Run} failure details", RunId);
            var current = await runs.GetRunAsync(RunId);
            if (await runs.UpdateRunAsync(RunId, RunStatus.Failed, current?.Stage ?? RunStage.Pending, error))
                await runs.AppendEventAsync(RunId, RunMetrics.Event("failed", error));
        }
        finally
        {
            progress = null;
        }
    }

    Task ReportAsync(RunStage stage, int step, int totalSteps)
    {
        progress = new RunProgress(RunId, RunStatus.Running, stage, step, totalSteps, null);
        // The driver's own work keeps no message flowing into this activation: keep it from being collected.
        DelayDeactivation(TimeSpan.FromMinutes(10));
        return Task.CompletedTask;
    }
}
