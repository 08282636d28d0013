using Orleans;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi;

/// <summary>Records validated run specs as pending runs and starts their orchestrator grains.</summary>
public sealed class RunSubmission(IRunStore runs, IGrainFactory grains)
{
    /// <exception cref="RunSpecException">a model folder, judge or data file the spec names cannot be used (checked on a silo)</exception>
    public async Task<RunRecord> SubmitAsync(RunSpec spec, CancellationToken ct)
    {
        await CheckAsync(spec, "run spec");
        return await CreateAsync(spec, NewRunId(spec), ct);
    }

    /// <exception cref="RunSpecException">the inputs the spec names cannot be used; the message starts with <paramref name="what"/></exception>
    public async Task CheckAsync(RunSpec spec, string what)
    {
        string[] problems = await grains.GetGrain<IRunInputsGrain>(0).Check(spec);
        if (problems.Length > 0) throw new RunSpecException($"{what} is invalid: " + string.Join("; ", problems));
    }

    public static string NewRunId(RunSpec spec) =>
        $"{spec.Name}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Records the run under <paramref name="runId"/> and starts it; the spec must have passed <see cref="CheckAsync"/>.</summary>
    public async Task<RunRecord> CreateAsync(RunSpec spec, string runId, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var run = new RunRecord(runId, spec.Experiment, spec.Name, RunSpecParser.ToJson(spec), RunStatus.Pending, RunStage.Pending, now, now, null);
        await runs.CreateRunAsync(run, ct);
        await runs.AppendEventAsync(runId, new RunEvent(now, "submitted", $"run '{spec.Name}' submitted (seed {spec.Seed})"), ct);
        await grains.GetGrain<IRunGrain>(runId).Start();
        return run;
    }
}
