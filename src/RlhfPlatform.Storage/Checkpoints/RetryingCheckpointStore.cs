using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>
/// Retries calls to a checkpoint store while it is unreachable (<see cref="CheckpointStoreUnavailableException"/>):
/// exponential backoff from 200 ms to 5 s, for at most the bound, then the last failure surfaces.
/// A write retried after its commit went through but the answer was lost finds the version committed
/// (a conflict), which the writer resolves by comparing content (CheckpointFiles adopts its own commit).
/// </summary>
public sealed class RetryingCheckpointStore : ICheckpointStore
{
    readonly ICheckpointStore inner;
    readonly BoundedBackoff<CheckpointStoreUnavailableException> backoff;

    RetryingCheckpointStore(ICheckpointStore inner, TimeSpan bound)
    {
        this.inner = inner;
        backoff = new BoundedBackoff<CheckpointStoreUnavailableException>(bound, _ => true);
    }

    /// <summary>The store itself when <paramref name="bound"/> is zero.</summary>
    public static ICheckpointStore Around(ICheckpointStore inner, TimeSpan bound) =>
        bound <= TimeSpan.Zero ? inner : new RetryingCheckpointStore(inner, bound);

    public Task InitializeAsync(CancellationToken ct = default) => RunAsync(t => inner.InitializeAsync(t), ct);

    public Task<CheckpointRef> WriteAsync(string runId, string kind, int version, string sourceFolder, CancellationToken ct = default) =>
        RunAsync(t => inner.WriteAsync(runId, kind, version, sourceFolder, t), ct);

    public Task ReadAsync(string runId, string kind, int version, string targetFolder, CancellationToken ct = default) =>
        RunAsync(t => inner.ReadAsync(runId, kind, version, targetFolder, t), ct);

    public Task<CheckpointRef> DescribeAsync(string runId, string kind, int version, CancellationToken ct = default) =>
        RunAsync(t => inner.DescribeAsync(runId, kind, version, t), ct);

    public Task<bool> ExistsAsync(string runId, string kind, int version, CancellationToken ct = default) =>
        RunAsync(t => inner.ExistsAsync(runId, kind, version, t), ct);

    public Task<IReadOnlyList<int>> ListVersionsAsync(string runId, string kind, CancellationToken ct = default) =>
        RunAsync(t => inner.ListVersionsAsync(runId, kind, t), ct);

    public Task<int> CollectGarbageAsync(string runId, TimeSpan minAge, CancellationToken ct = default) =>
        RunAsync(t => inner.CollectGarbageAsync(runId, minAge, t), ct);

    async Task RunAsync(Func<CancellationToken, Task> call, CancellationToken ct) =>
        await RunAsync(async t => { await call(t); return true; }, ct);

    Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct) =>
        backoff.ExecuteAsync(call, last => new CheckpointStoreUnavailableException($"{last.Message} (still failing after retrying)", last), ct);
}
