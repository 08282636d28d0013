using System.Data.Common;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace RlhfPlatform.Storage.RunStores;

/// <summary>
/// Retries a unit of run-store work while the database is briefly away (a restart, a fail-over, a
/// dropped connection): exponential backoff from 200 ms to 5 s, for at most <see cref="Bound"/>, then
/// the failure surfaces as <see cref="RunStoreUnavailableException"/>. Errors that retrying cannot fix
/// (authentication, a missing database, constraint violations) are not retried.
/// </summary>
internal sealed class StoreRetry
{
    public static readonly TimeSpan DefaultBound = TimeSpan.FromMinutes(2);

    readonly ResiliencePipeline pipeline;

    public StoreRetry(TimeSpan bound, Func<DbException, bool> isTransient)
    {
        Bound = bound;
        pipeline = new ResiliencePipelineBuilder()
            .AddTimeout(new TimeoutStrategyOptions { Timeout = bound })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<DbException>(isTransient),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(5),
                UseJitter = true,
            })
            .Build();
    }

    public TimeSpan Bound { get; }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, Func<DbException, RunStoreUnavailableException?> asUnavailable,
        CancellationToken ct)
    {
        DbException? last = null;
        try
        {
            return await pipeline.ExecuteAsync(async token =>
            {
                try
                {
                    return await work(token);
                }
                catch (DbException failure)
                {
                    last = failure;
                    throw;
                }
            }, ct);
        }
        catch (TimeoutRejectedException) when (last is not null)
        {
            string cause = asUnavailable(last)?.Message ?? last.Message;
            throw new RunStoreUnavailableException($"{cause} (still failing after retrying for {Bound.TotalSeconds:0} s)", last);
        }
    }
}
