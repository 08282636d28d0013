using System.Data.Common;

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

    readonly BoundedBackoff<DbException> backoff;
    readonly TimeProvider clock;
    int retrying;
    long failingSinceTicks;

    public StoreRetry(TimeSpan bound, Func<DbException, bool> isTransient, TimeProvider? clock = null)
    {
        this.clock = clock ?? TimeProvider.System;
        backoff = new BoundedBackoff<DbException>(bound, isTransient,
            () => Interlocked.CompareExchange(ref failingSinceTicks, this.clock.GetUtcNow().UtcTicks, 0));
    }

    public TimeSpan Bound => backoff.Bound;

    /// <summary>Since when some unit of work has been retrying against an unreachable database; null while none is.</summary>
    public DateTimeOffset? FailingSince => Volatile.Read(ref retrying) > 0 && Interlocked.Read(ref failingSinceTicks) is var ticks and > 0
        ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> work, Func<DbException, RunStoreUnavailableException?> asUnavailable,
        CancellationToken ct)
    {
        bool succeeded = false;
        Interlocked.Increment(ref retrying);
        try
        {
            var result = await backoff.ExecuteAsync(work, last => new RunStoreUnavailableException(
                $"{asUnavailable(last)?.Message ?? last.Message} (still failing after retrying for {Bound.TotalSeconds:0} s)", last), ct);
            succeeded = true;
            return result;
        }
        finally
        {
            // A success means the database answers again; so does the end of the last retrying unit.
            if (Interlocked.Decrement(ref retrying) == 0 || succeeded) Interlocked.Exchange(ref failingSinceTicks, 0);
        }
    }
}
