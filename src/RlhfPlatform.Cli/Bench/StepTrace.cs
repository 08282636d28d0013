using System.Collections.Concurrent;
using System.Diagnostics;
using RlhfPlatform.Grains;

namespace RlhfPlatform.Cli.Bench;

/// <summary>
/// Listens to the platform's spans (<see cref="PlatformTracing"/>) while a benchmark runs, and splits a
/// run's RL steps into the driver's phases and the compute workers' busy time.
/// </summary>
public sealed class StepTrace : IDisposable
{
    sealed record Span(string Name, TimeSpan Start, TimeSpan End, string? Run, int Step)
    {
        public double Ms => (End - Start).TotalMilliseconds;
        public bool Within(Span window) => Start >= window.Start && End <= window.End;
    }

    readonly ConcurrentQueue<Span> spans = new();
    readonly ActivityListener listener;
    readonly long origin = Stopwatch.GetTimestamp();

    public StepTrace()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == PlatformTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(listener);
    }

    void Record(Activity activity)
    {
        // Activity times are wall-clock; one monotonic clock for every span keeps their order exact.
        var end = Stopwatch.GetElapsedTime(origin);
        string? run = activity.GetTagItem("rlhf.run") as string;
        int step = activity.GetTagItem("rlhf.step") is int s ? s : 0;
        spans.Enqueue(new Span(activity.OperationName, end - activity.Duration, end, run, step));
    }

    /// <summary>
    /// Steps 2 to the last of <paramref name="runId"/> (the first loads the models), each from its start to
    /// the next one's (the last: to its end), with the compute workers' busy time in it, and per phase.
    /// </summary>
    public StepBreakdown Of(string runId, int lastStep)
    {
        var run = spans.Where(s => s.Run == runId && s.Step >= 2 && s.Step <= lastStep).ToArray();
        var steps = run.Where(s => s.Name == PlatformTracing.RlStep).OrderBy(s => s.Start).ToArray();
        if (steps.Length != lastStep - 1 || steps.Select(s => s.Step).Distinct().Count() != steps.Length)
            throw new InvalidOperationException($"traced {steps.Length} steps of run {runId} for its steps 2 to {lastStep}: a step was redone or not traced");
        // Step to step: what the driver does between two steps is the orchestration's too.
        var whole = steps.Select((s, i) => s with { End = i + 1 < steps.Length ? steps[i + 1].Start : s.End }).ToArray();
        var window = new Span("window", whole[0].Start, whole[^1].End, runId, 0);
        var jobs = spans.Where(s => s.Name == PlatformTracing.ComputeJob && s.Within(window)).ToArray();
        PhaseTime[] PerStep(IEnumerable<Span> of, string? grainSide = null)
        {
            var inside = grainSide == null ? [] : spans.Where(s => s.Name == grainSide && s.Within(window)).ToArray();
            return [.. of.GroupBy(s => s.Step).OrderBy(g => g.Key).Select(g => new PhaseTime(g.Sum(s => s.Ms),
                g.Sum(w => jobs.Where(j => j.Within(w)).Sum(j => j.Ms)),
                // Shards run side by side: the call waits for the slowest.
                grainSide == null ? null : g.Sum(w => inside.Where(c => c.Within(w)).Select(c => c.Ms).DefaultIfEmpty(0).Max())))];
        }
        return new StepBreakdown(PerStep(whole), PlatformTracing.RlPhases.ToDictionary(name => name,
            name => PerStep(run.Where(s => s.Name == name), PlatformTracing.GrainSideOf.GetValueOrDefault(name))));
    }

    public void Dispose() => listener.Dispose();
}

/// <summary>Each timed RL step's time, all of it and per driver phase (span name → one time per step).</summary>
public sealed record StepBreakdown(IReadOnlyList<PhaseTime> Steps, IReadOnlyDictionary<string, PhaseTime[]> Phases)
{
    public double MeanMs => Steps.Average(s => s.Ms);
    public double MedianMs => Median(Steps.Select(s => s.Ms));
    /// <summary>The compute workers' idle time in a step, the median over steps: the orchestration's own time, whatever the machine's speed.</summary>
    public double MedianIdleMs => Median(Steps.Select(s => s.Ms - s.ComputeBusyMs));
    public double PhaseMeanMs(string phase) => Phases[phase].Average(p => p.Ms);
    public double PhaseMeanBusyMs(string phase) => Phases[phase].Average(p => p.ComputeBusyMs);
    public double? PhaseMeanGrainSideMs(string phase) => Phases[phase].All(p => p.GrainSideMs != null) ? Phases[phase].Average(p => p.GrainSideMs!.Value) : null;

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// Milliseconds from a step's (or phase's) start to its end, how many of them the compute workers were
/// running its jobs, and for a grain call, how many the called grain spent in it.
/// </summary>
public sealed record PhaseTime(double Ms, double ComputeBusyMs, double? GrainSideMs = null);
