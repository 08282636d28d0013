using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace RlhfPlatform.Storage;

/// <summary>
/// The stores' retry shape: exponential backoff with jitter from 200 ms to 5 s on the failures that
/// <c>TFailure</c> and the predicate admit, for at most a bound; past it the last failure surfaces as
/// the caller's "unavailable" error.
/// </summary>
internal sealed class BoundedBackoff<TFailure>(TimeSpan bound, Func<TFailure, bool> retryable, Action? onRetry = null) where TFailure : Exception
{
    readonly ResiliencePipeline pipeline = new ResiliencePipelineBuilder()
        .AddTimeout(new TimeoutStrategyOptions { Timeout = bound })
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle(retryable),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(5),
            UseJitter = true,
            OnRetry = _ =>
            {
                onRetry?.Invoke();
                return ValueTask.CompletedTask;
            },
        })
        .Build();

    public TimeSpan Bound => bound;

    /// <param name="givenUp">the error to throw once the bound has passed, from the last failure</param>
    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, Func<TFailure, Exception> givenUp, CancellationToken ct)
    {
        TFailure? last = null;
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                try
                {
                    return await work(token);
                }
                catch (TFailure failure)
                {
                    last = failure;
                    throw;
                }
            }, ct);
        }
        catch (TimeoutRejectedException) when (last is not null)
        {
            throw givenUp(last);
        }
    }
}
