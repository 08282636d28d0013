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
    readonly TimeProvider clock;
    int retrying;
    long failingSinceTicks;

    public StoreRetry(TimeSpan bound, Func<DbException, bool> isTransient, TimeProvider? clock = null)
    {
        Bound = bound;
        this.clock = clock ?? TimeProvider.System;
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
                OnRetry = _ =>
                {
                    Interlocked.CompareExchange(ref failingSinceTicks, this.clock.GetUtcNow().UtcTicks, 0);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public TimeSpan Bound { get; }

    /// <summary>Since when some unit of work has been retrying against an unreachable database; null while none is.</summary>
    public DateTimeOffset? FailingSince => Volatile.Read(ref retrying) > 0 && Interlocked.Read(ref failingSinceTicks) is var ticks and > 0
        ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, Func<DbException, RunStoreUnavailableException?> asUnavailable,
        CancellationToken ct)
    {
        DbException? last = null;
        bool succeeded = false;
        Interlocked.Increment(ref retrying);
        try
        {
            var result = await pipeline.ExecuteAsync(async token =>
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
            succeeded = true;
            return result;
        }
        catch (TimeoutRejectedException) when (last is not null)
        {
            string cause = asUnavailable(last)?.Message ?? last.Message;
            throw new RunStoreUnavailableException($"{cause} (still failing after retrying for {Bound.TotalSeconds:0} s)", last);
        }
        finally
        {
            // A success means the database answers again; so does the end of the last retrying unit.
            if (Interlocked.Decrement(ref retrying) == 0 || succeeded) Interlocked.Exchange(ref failingSinceTicks, 0);
        }
    }
}
