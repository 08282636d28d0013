namespace RlhfPlatform.Contracts;

/// <summary>
/// A failure inside a named stage ("reward-model bt step 12", "rm train step 37"): its message is the
/// one line "stage: cause"; the original exception stays the inner one, for logs and RLHF_DEBUG.
/// </summary>
public sealed class StageException : Exception
{
    public StageException(string stage, Exception cause) : base($"{stage}: {ErrorText.Of(cause)}", cause) => Stage = stage;

    /// <summary>A failure a job already described in one line ("stage: cause"), such as a background job's recorded error.</summary>
    public StageException(string stage, string line) : base(line) => Stage = stage;

    public string Stage { get; }

    /// <summary>
    /// Runs <paramref name="body"/>; a failure becomes a StageException named by <paramref name="stage"/>
    /// (evaluated at failure time, so it can name the step that failed). Cancellation passes through, and
    /// so does a failure that already names a more precise stage.
    /// </summary>
    public static async Task<T> InAsync<T>(Func<string> stage, Func<Task<T>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (ErrorText.Innermost(e) is not (OperationCanceledException or StageException))
        {
            throw new StageException(stage(), e);
        }
    }

    public static Task<T> InAsync<T>(string stage, Func<Task<T>> body) => InAsync(() => stage, body);

    public static Task InAsync(string stage, Func<Task> body) => InAsync(() => stage, async () => { await body(); return true; });

    /// <summary>The synchronous form, for work that runs on the caller's thread (a CLI command's training loop).</summary>
    public static T In<T>(Func<string> stage, Func<T> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (ErrorText.Innermost(e) is not (OperationCanceledException or StageException))
        {
            throw new StageException(stage(), e);
        }
    }
}
