using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains;

/// <summary>
/// Long work that runs inside a grain activation instead of one grain call: started once, its
/// progress read by polling, cancellable. The body runs on the activation's scheduler (its heavy
/// parts are awaited from the <see cref="ComputeQueue"/>), so the grain's fields stay single-threaded.
/// </summary>
public sealed class BackgroundJob
{
    CancellationTokenSource? cancellation;

    public JobProgress Progress { get; private set; } = new(JobState.Idle, 0, 0, null, null);

    /// <summary>Starts the body unless the job is running or already succeeded (idempotent start).</summary>
    public void Start(Func<CancellationToken, Task<CheckpointRef>> body)
    {
        if (Progress.State is JobState.Running or JobState.Succeeded) return;
        cancellation = new CancellationTokenSource();
        Progress = new JobProgress(JobState.Running, 0, 0, null, null);
        _ = RunAsync(body, cancellation.Token);
    }

    public void Report(int step, int totalSteps) => Progress = Progress with { Step = step, TotalSteps = totalSteps };

    public void Cancel() => cancellation?.Cancel();

    async Task RunAsync(Func<CancellationToken, Task<CheckpointRef>> body, CancellationToken ct)
    {
        try
        {
            var checkpoint = await body(ct);
            Progress = Progress with { State = JobState.Succeeded, Checkpoint = checkpoint };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Progress = Progress with { State = JobState.Cancelled };
        }
        catch (Exception e)
        {
            Progress = Progress with { State = JobState.Failed, Error = ErrorText.Of(e) };
        }
    }
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
