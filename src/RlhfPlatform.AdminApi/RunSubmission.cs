using Orleans;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi;

/// <summary>Records a validated run spec as a pending run and starts its orchestrator grain.</summary>
public sealed class RunSubmission(IRunStore runs, IGrainFactory grains)
{
    /// <exception cref="RunSpecException">a model folder, judge or data file the spec names cannot be used (checked on a silo)</exception>
    public async Task<RunRecord> SubmitAsync(RunSpec spec, CancellationToken ct)
    {
        string[] problems = await grains.GetGrain<IRunInputsGrain>(0).Check(spec);
        if (problems.Length > 0) throw new RunSpecException("run spec is invalid: " + string.Join("; ", problems));
        var now = DateTimeOffset.UtcNow;
        string runId = $"{spec.Name}-{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var run = new RunRecord(runId, spec.Experiment, spec.Name, RunSpecParser.ToJson(spec), RunStatus.Pending, RunStage.Pending, now, now, null);
        await runs.CreateRunAsync(run, ct);
        await runs.AppendEventAsync(runId, new RunEvent(now, "submitted", $"run '{spec.Name}' submitted (seed {spec.Seed})"), ct);
        await grains.GetGrain<IRunGrain>(runId).Start();
        return run;
    }
}
