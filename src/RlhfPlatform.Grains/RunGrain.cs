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
/// silo, which resumes from what was committed. When its silo shuts down on SIGTERM, the driver stops at
/// the next step boundary before any grain is deactivated (<see cref="LocalDrivers"/>; or, failing that,
/// when this activation is deactivated) and lets the lease go, so a driver on another silo continues from
/// that step without redoing any.
/// </summary>
[LightWork]
public sealed class RunGrain(IRunStore runs, ComputeQueue compute, CheckpointFiles files, RunDriveOptions drive, LocalDrivers localDrivers,
    ILogger<RunGrain> logger)
    : Grain, IRunGrain, IRemindable
{
    const string DriveReminder = "drive";

    Task? driver;
    CancellationTokenSource? cancellation;
    CancellationTokenSource? stopAtStepBoundary;
    RunProgress? progress;
    string? queued;
    IGrainTimer? leaseRenewal;
    // One owner per activation: two activations of this grain (two clusters on one run store, or a
    // split cluster) never both hold the run's lease.
    readonly string leaseOwner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    string RunId => this.GetPrimaryKeyString();

    public async Task Start()
    {
        if (driver is { IsCompleted: false }) return;
        if (await runs.GetRunAsync(RunId) is not { } recorded) throw new RunNotFoundException(RunId);
        if (recorded.Status.IsTerminal()) return;
        await this.RegisterOrUpdateReminder(DriveReminder, drive.Period, drive.Period);
        // On a stopping silo no driver starts: the reminder starts it on a silo that is up.
        if (localDrivers.Stopping) return;
        switch (await runs.TryAcquireDriverLeaseAsync(RunId, leaseOwner, drive.Lease, drive.MaxDrivenRuns))
        {
            case DriverLease.HeldByAnother:
                logger.LogInformation("Run {Run} is driven elsewhere (its lease is held); its reminder checks again", RunId);
                return;
            case DriverLease.AtCapacity:
                if (queued == null)
                {
                    queued = $"queued: {drive.MaxDrivenRuns} runs are being driven at once (Rlhf:Runs:MaxDriven); this one starts when a place frees up";
                    await runs.AppendEventAsync(RunId, RunMetrics.Event("queued", queued));
                }
                return;
        }
        queued = null;
        // Read again under the lease: the previous driver may have finished the run just before letting go.
        var run = (await runs.GetRunAsync(RunId))!;
        if (run.Status.IsTerminal())
        {
            await runs.ReleaseDriverLeaseAsync(RunId, leaseOwner);
            return;
        }
        if (run.Status == RunStatus.Running)
            await runs.AppendEventAsync(RunId, RunMetrics.Event("resuming", $"a new driver ({leaseOwner}) continues from what was committed"));
        cancellation = new CancellationTokenSource();
        stopAtStepBoundary = new CancellationTokenSource();
        leaseRenewal = this.RegisterGrainTimer(RenewLeaseAsync, drive.Lease / 3, drive.Lease / 3);
        progress = new RunProgress(RunId, RunStatus.Running, run.Stage, 0, 0, null);
        driver = DriveAsync(run, cancellation.Token, stopAtStepBoundary.Token);
        localDrivers.Add(stopAtStepBoundary, driver);
    }

    /// <summary>
    /// The activation goes away (silo shutdown, or Orleans moving it): the driver finishes the step in
    /// flight, stops before the next and releases the lease. If the deactivation's time runs out
    /// first, the driver is cancelled; what it had not committed is redone by the next driver.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken ct)
    {
        if (driver is not { IsCompleted: false } running) return;
        logger.LogInformation("Run {Run}: its activation is deactivating ({Reason}); the driver stops at the next step boundary", RunId, reason.Description);
        stopAtStepBoundary?.Cancel();
        try
        {
            await running.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Run {Run}: no step boundary within the deactivation timeout; the driver is cancelled", RunId);
            cancellation?.Cancel();
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        }
    }

    /// <summary>A driver that cannot renew its lease stops, so that the process that took the run over is its only driver.</summary>
    async Task RenewLeaseAsync(CancellationToken timerToken)
    {
        if (driver is not { IsCompleted: false }) return;
        bool held;
        try
        {
            held = await runs.TryAcquireDriverLeaseAsync(RunId, leaseOwner, drive.Lease, timerToken);
        }
        catch (RunStoreUnavailableException)
        {
            return; // the store is away: keep driving; the lease is checked again at the next tick
        }
        if (held) return;
        logger.LogWarning("Run {Run} lost its driver lease to another process: this driver stops", RunId);
        cancellation?.Cancel();
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
        await Start();
    }

    public async Task<RunProgress> GetProgress()
    {
        if (progress != null && driver is { IsCompleted: false })
            return runs.UnavailableSince is { } since
                ? progress with { Waiting = $"waiting: run store unavailable since {since:HH:mm:ss} UTC; retrying" }
                : progress;
        var run = await runs.GetRunAsync(RunId) ?? throw new RunNotFoundException(RunId);
        return new RunProgress(RunId, run.Status, run.Stage, progress?.Step ?? 0, progress?.TotalSteps ?? 0, run.Error,
            run.Status.IsTerminal() ? null : queued);
    }

    public async Task<bool> Cancel()
    {
        var run = await runs.GetRunAsync(RunId) ?? throw new RunNotFoundException(RunId);
        bool changed = await runs.UpdateRunAsync(RunId, RunStatus.Cancelled, run.Stage, "cancelled by request");
        if (changed) await runs.AppendEventAsync(RunId, RunMetrics.Event("cancelled", "run cancelled by request"));
        cancellation?.Cancel();
        return changed;
    }

    async Task DriveAsync(RunRecord run, CancellationToken ct, CancellationToken stop)
    {
        try
        {
            var spec = System.Text.Json.JsonSerializer.Deserialize<RunSpec>(run.SpecJson, RunSpecParser.JsonOptions)
                ?? throw new InvalidDataException("the recorded run spec is empty");
            // Pushed data (blob: URIs) is read from this silo's local copies; the recorded spec keeps the URIs.
            spec = await PushedData.ResolveAsync(spec, files, ct);
            foreach (var adopted in await files.ReconcileAsync(RunId, [CheckpointKinds.Policy, CheckpointKinds.TrainerState, CheckpointKinds.RewardModel(spec.RewardModel.Name)], ct))
                await runs.AppendEventAsync(RunId, RunMetrics.Event("adopted",
                    $"checkpoint {adopted.Kind} v{adopted.Version} was committed but not recorded (a crash between the two): recorded now"), ct);
            var stages = new RunStages(RunId, spec, runs, GrainFactory, compute, ReportAsync, ct, stop, drive.StallTimeout);
            await stages.RunAsync();
            await CollectGarbageAsync();
        }
        catch (DriverStoppedException stopped)
        {
            logger.LogInformation("Run {Run} paused: {Where}", RunId, stopped.Message);
            await runs.AppendEventAsync(RunId, RunMetrics.Event("paused",
                $"its driver's silo is stopping: paused {stopped.Message}; a driver on another silo continues from there"), CancellationToken.None);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            logger.LogInformation("Run {Run} cancelled", RunId);
        }
        catch (Exception e)
        {
            if (e is OperationCanceledException && (await runs.GetRunAsync(RunId))?.Status.IsTerminal() == true)
            {
                logger.LogInformation("Run {Run} ended while this driver worked (cancelled, or finished by another driver)", RunId);
                return;
            }
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
            leaseRenewal?.Dispose();
            leaseRenewal = null;
            try
            {
                await runs.ReleaseDriverLeaseAsync(RunId, leaseOwner);
                await StartQueuedRunAsync();
            }
            catch (RunStoreUnavailableException)
            {
                // the lease expires on its own; queued runs start at their reminders' next tick
            }
        }
    }

    /// <summary>Abandoned checkpoint writes of a finished run are removed; failing to is only logged (committed checkpoints are never at risk).</summary>
    async Task CollectGarbageAsync()
    {
        try
        {
            int removed = await files.CollectGarbageAsync(RunId, CancellationToken.None);
            if (removed > 0)
                await runs.AppendEventAsync(RunId, RunMetrics.Event("collected", $"removed {removed} checkpoint blobs or folders that no commit uses (abandoned writes)"));
        }
        catch (Exception e) when (e is CheckpointStoreUnavailableException or IOException)
        {
            logger.LogWarning("Run {Run}: collecting abandoned checkpoint writes failed: {Error}", RunId, e.Message);
        }
    }

    /// <summary>This run's place is free: the oldest run still waiting to be driven takes it now rather than at its reminder's next tick.</summary>
    async Task StartQueuedRunAsync()
    {
        // Pages are newest first: the oldest two pending runs are the last page of two (one may be this run).
        long pending = (await runs.ListRunsPageAsync(null, RunStatus.Pending, new PageRequest(0, 1))).Total;
        var oldest = await runs.ListRunsPageAsync(null, RunStatus.Pending, new PageRequest((int)Math.Max(0, pending - 2), 2));
        var waiting = oldest.Runs.LastOrDefault(r => r.RunId != RunId);
        if (waiting == null) return;
        try
        {
            await GrainFactory.GetGrain<IRunGrain>(waiting.RunId).Start();
        }
        catch (Exception e) when (ClusterFaults.IsTransient(e))
        {
            logger.LogInformation("Run {Run}: starting queued run {Queued} failed ({Error}); its reminder starts it", RunId, waiting.RunId, e.Message);
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
