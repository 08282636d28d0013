using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage;

/// <summary>
/// Records runs, their events, metrics, checkpoints and results. Implementations: SQLite (embedded)
/// and PostgreSQL; both pass the same contract tests. Nothing recorded is ever silently overwritten:
/// metric rows are unique per (run, name, step) and re-recording the same point is a no-op
/// (so a resumed stage that replays a step does not duplicate rows).
/// </summary>
public interface IRunStore
{
    /// <summary>Creates the schema if needed (migrations are versioned and applied once).</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Inserts a new run. Throws <see cref="RunStoreConflictException"/> if the id exists.</summary>
    Task CreateRunAsync(RunRecord run, CancellationToken ct = default);

    Task<RunRecord?> GetRunAsync(string runId, CancellationToken ct = default);

    /// <summary>Newest first; optionally only one experiment's runs.</summary>
    Task<IReadOnlyList<RunRecord>> ListRunsAsync(string? experiment = null, CancellationToken ct = default);

    /// <summary>One page of the runs, newest first, optionally of one experiment and one recorded status, with their total count.</summary>
    Task<RunPage> ListRunsPageAsync(string? experiment, RunStatus? status, PageRequest page, CancellationToken ct = default);

    /// <summary>Moves a run to a status and stage. Throws <see cref="RunNotFoundException"/> for an unknown run.
    /// A run in a terminal status is never changed again (returns false).</summary>
    Task<bool> UpdateRunAsync(string runId, RunStatus status, RunStage stage, string? error = null, CancellationToken ct = default);

    Task AppendEventAsync(string runId, RunEvent runEvent, CancellationToken ct = default);
    Task<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, CancellationToken ct = default);
    /// <summary>One page of <see cref="GetEventsAsync"/> (empty past the end; unknown run: <see cref="RunNotFoundException"/>).</summary>
    Task<IReadOnlyList<RunEvent>> GetEventsPageAsync(string runId, PageRequest page, CancellationToken ct = default);

    /// <summary>Records points; a point whose (run, name, step) exists already is ignored.</summary>
    Task RecordMetricsAsync(string runId, IReadOnlyList<MetricPoint> points, CancellationToken ct = default);

    /// <summary>Ordered by name, then step. <paramref name="name"/> filters to one metric.</summary>
    Task<IReadOnlyList<MetricPoint>> GetMetricsAsync(string runId, string? name = null, CancellationToken ct = default);
    /// <summary>One page of <see cref="GetMetricsAsync"/>, only steps from <paramref name="fromStep"/> on when given
    /// (empty past the end; unknown run: <see cref="RunNotFoundException"/>).</summary>
    Task<IReadOnlyList<MetricPoint>> GetMetricsPageAsync(string runId, string? name, long? fromStep, PageRequest page, CancellationToken ct = default);

    /// <summary>Records a committed checkpoint; (run, kind, version) is unique, re-recording the same is a no-op.</summary>
    Task RecordCheckpointAsync(CheckpointRef checkpoint, CancellationToken ct = default);

    /// <summary>Ordered by kind, then version.</summary>
    Task<IReadOnlyList<CheckpointRef>> GetCheckpointsAsync(string runId, CancellationToken ct = default);

    /// <summary>Upserts final figures (one value per key).</summary>
    /// <summary>
    /// Takes or renews the run's driver lease for <paramref name="owner"/> until now + <paramref name="duration"/>:
    /// true if this owner holds it now, false while another owner's lease has not expired.
    /// </summary>
    Task<bool> TryAcquireDriverLeaseAsync(string runId, string owner, TimeSpan duration, CancellationToken ct = default);
    /// <summary>
    /// As <see cref="TryAcquireDriverLeaseAsync(string, string, TimeSpan, CancellationToken)"/>, but a new
    /// lease is taken only while fewer than <paramref name="maxDrivenRuns"/> other runs hold unexpired ones
    /// (a renewal always succeeds): the cap on runs driven at once across every process on this store.
    /// </summary>
    Task<DriverLease> TryAcquireDriverLeaseAsync(string runId, string owner, TimeSpan duration, int maxDrivenRuns, CancellationToken ct = default);
    /// <summary>Since when calls have been retrying against an unreachable store (they give up after a bound); null while it answers.</summary>
    DateTimeOffset? UnavailableSince => null;

    /// <summary>Gives the lease up if <paramref name="owner"/> holds it.</summary>
    Task ReleaseDriverLeaseAsync(string runId, string owner, CancellationToken ct = default);

    Task SaveResultsAsync(string runId, IReadOnlyList<RunResult> results, CancellationToken ct = default);
    Task<IReadOnlyList<RunResult>> GetResultsAsync(string runId, CancellationToken ct = default);

    /// <summary>Inserts a key. Throws <see cref="RunStoreConflictException"/> if its id exists.</summary>
    Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken ct = default);
    Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken ct = default);
    /// <summary>Oldest first, revoked ones included.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken ct = default);
    /// <summary>Marks a key revoked; false if there is no such key or it was revoked already.</summary>
    Task<bool> RevokeApiKeyAsync(string keyId, CancellationToken ct = default);

    /// <summary>Records <paramref name="claim"/> unless its key is taken; returns the key's record either way
    /// (the caller owns the key when the returned record is its own claim).</summary>
    Task<IdempotencyRecord> ClaimIdempotencyKeyAsync(IdempotencyRecord claim, CancellationToken ct = default);
    /// <summary>Gives a claimed key up (its request failed before creating anything).</summary>
    Task ReleaseIdempotencyKeyAsync(string key, string requestHash, CancellationToken ct = default);
}

public sealed class RunNotFoundException(string runId) : Exception($"run '{runId}' not found")
{
    public string RunId { get; } = runId;
}

public sealed class RunStoreConflictException(string message) : Exception(message);

/// <summary>The store could not be reached or used (connection refused, bad credentials, ...).</summary>
public sealed class RunStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>What asking for a run's driver lease gave.</summary>
public enum DriverLease
{
    /// <summary>This owner holds it now.</summary>
    Acquired,
    /// <summary>Another owner's lease on the run has not expired.</summary>
    HeldByAnother,
    /// <summary>As many other runs as the cap allows are being driven.</summary>
    AtCapacity,
}
