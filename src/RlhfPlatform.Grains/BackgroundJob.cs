using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>
/// Long work that runs inside a grain activation instead of one grain call: started once, its
/// progress read by polling, cancellable. The body runs on the activation's scheduler (its heavy
/// parts are awaited from the <see cref="ComputeQueue"/>), so the grain's fields stay single-threaded.
/// </summary>
public sealed class BackgroundJob<TResult> where TResult : class
{
    CancellationTokenSource? cancellation;

    public JobState State { get; private set; } = JobState.Idle;
    public int Step { get; private set; }
    public int TotalSteps { get; private set; }
    public string? Error { get; private set; }
    public TResult? Result { get; private set; }

    /// <summary>Starts the body unless the job is running or already succeeded (idempotent start).</summary>
    /// <param name="stage">names the job in its error ("reward-model bt: cause") unless the body names a more precise stage</param>
    public void Start(string stage, Func<CancellationToken, Task<TResult>> body)
    {
        if (State is JobState.Running or JobState.Succeeded) return;
        cancellation = new CancellationTokenSource();
        (State, Step, TotalSteps, Error) = (JobState.Running, 0, 0, null);
        _ = RunAsync(stage, body, cancellation.Token);
    }

    public void Report(int step, int totalSteps) => (Step, TotalSteps) = (step, totalSteps);

    public void Cancel() => cancellation?.Cancel();

    async Task RunAsync(string stage, Func<CancellationToken, Task<TResult>> body, CancellationToken ct)
    {
        try
        {
            Result = await body(ct);
            State = JobState.Succeeded;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            State = JobState.Cancelled;
        }
        catch (Exception e)
        {
            Error = ErrorText.Of(stage, e);
            State = JobState.Failed;
        }
    }
}

public static class BackgroundJobProgress
{
    public static JobProgress Of(BackgroundJob<CheckpointRef> job) => new(job.State, job.Step, job.TotalSteps, job.Error, job.Result);

    public static EvaluationProgress Of(BackgroundJob<EvaluationReport> job) => new(job.State, job.Step, job.TotalSteps, job.Error, job.Result);
}
