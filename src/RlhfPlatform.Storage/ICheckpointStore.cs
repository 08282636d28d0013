using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage;

/// <summary>
/// Holds checkpoints as folders at <c>runs/{run}/{kind}/{version}/</c> (blob container or local
/// folder). A write uploads every file under a temporary name, verifies its sha256, and only then
/// commits it; a checkpoint that was not committed does not exist (not listed, not readable).
/// Implementations: local folder (embedded) and Azure Blob; both pass the same contract tests.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Creates the container/root folder if needed.</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Uploads every file of <paramref name="sourceFolder"/> (recursively, relative paths kept) as
    /// checkpoint (run, kind, version) and commits it. Throws <see cref="CheckpointConflictException"/> if
    /// that version is committed already.</summary>
    Task<CheckpointRef> WriteAsync(string runId, string kind, int version, string sourceFolder, CancellationToken ct = default);

    /// <summary>Downloads a committed checkpoint into <paramref name="targetFolder"/> and verifies every
    /// file's sha256; throws <see cref="CheckpointNotFoundException"/> / <see cref="CheckpointCorruptException"/>.</summary>
    Task ReadAsync(string runId, string kind, int version, string targetFolder, CancellationToken ct = default);

    /// <summary>The committed checkpoint's reference (URI, manifest sha256, size), as WriteAsync returned it;
    /// throws <see cref="CheckpointNotFoundException"/> if the version is not committed.</summary>
    Task<CheckpointRef> DescribeAsync(string runId, string kind, int version, CancellationToken ct = default);

    Task<bool> ExistsAsync(string runId, string kind, int version, CancellationToken ct = default);

    /// <summary>Committed versions of (run, kind), ascending.</summary>
    Task<IReadOnlyList<int>> ListVersionsAsync(string runId, string kind, CancellationToken ct = default);

    /// <summary>
    /// Removes what writes of the run left behind without committing (staging data, a losing writer's
    /// files) once older than <paramref name="minAge"/>; committed checkpoints are never touched.
    /// Returns how many blobs or folders were removed.
    /// </summary>
    Task<int> CollectGarbageAsync(string runId, TimeSpan minAge, CancellationToken ct = default);
}

public sealed class CheckpointNotFoundException(string message) : Exception(message);
public sealed class CheckpointConflictException(string message) : Exception(message);
public sealed class CheckpointCorruptException(string message) : Exception(message);
public sealed class CheckpointStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
