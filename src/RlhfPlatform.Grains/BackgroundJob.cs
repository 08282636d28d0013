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
    public void Start(Func<CancellationToken, Task<TResult>> body)
    {
        if (State is JobState.Running or JobState.Succeeded) return;
        cancellation = new CancellationTokenSource();
        (State, Step, TotalSteps, Error) = (JobState.Running, 0, 0, null);
        _ = RunAsync(body, cancellation.Token);
    }

    public void Report(int step, int totalSteps) => (Step, TotalSteps) = (step, totalSteps);

    public void Cancel() => cancellation?.Cancel();

    async Task RunAsync(Func<CancellationToken, Task<TResult>> body, CancellationToken ct)
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
            Error = ErrorText.Of(e);
            State = JobState.Failed;
        }
    }
}

public static class BackgroundJobProgress
{
    public static JobProgress Of(BackgroundJob<CheckpointRef> job) => new(job.State, job.Step, job.TotalSteps, job.Error, job.Result);

    public static EvaluationProgress Of(BackgroundJob<EvaluationReport> job) => new(job.State, job.Step, job.TotalSteps, job.Error, job.Result);
}

public static class ErrorText
{
    /// <summary>One line: the innermost meaningful message, with its type when that adds something.</summary>
    public static string Of(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } aggregate) e = aggregate.InnerException!;
        return e switch
        {
            ArgumentException or InvalidDataException or FileNotFoundException or InvalidOperationException => e.Message,
            _ => $"{e.GetType().Name}: {e.Message}",
        };
    }
}
