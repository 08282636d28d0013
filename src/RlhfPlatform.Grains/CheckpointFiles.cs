using Microsoft.Extensions.Logging;
using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Storage;
using TorchSharp;

namespace RlhfPlatform.Grains;

public sealed record CheckpointFilesOptions
{
    /// <summary>Scratch space of this silo: staging of new checkpoints, cache of downloaded ones.</summary>
    public string WorkDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "rlhf-silo");
}

/// <summary>
/// Moves models between this silo and the checkpoint store: publishes a model as a committed,
/// recorded checkpoint, and fetches committed versions into a local cache (a silo keeps the
/// versions it has loaded once).
/// </summary>
public sealed class CheckpointFiles(ICheckpointStore store, IRunStore runs, CheckpointFilesOptions options, ILogger<CheckpointFiles> logger)
{
    string Staging => Path.Combine(options.WorkDirectory, "staging");
    string Cache => Path.Combine(options.WorkDirectory, "cache");

    /// <summary>Writes the model's HF folder on the compute thread, then uploads, commits and records it.</summary>
    public Task<CheckpointRef> PublishAsync(ComputeQueue compute, string runId, string kind, int version,
        torch.nn.Module model, ModelConfig config, ITokenizer tokenizer, CancellationToken ct) =>
        PublishFolderAsync(compute, runId, kind, version, folder => ModelCheckpoint.Save(model, config, tokenizer, folder), ct);

    /// <summary>Lets <paramref name="write"/> fill a staging folder on the compute thread, then uploads, commits and records it.</summary>
    public async Task<CheckpointRef> PublishFolderAsync(ComputeQueue compute, string runId, string kind, int version,
        Action<string> write, CancellationToken ct)
    {
        using var staged = await StageAsync(compute, runId, kind, version, write, ct);
        return await CommitAsync(staged, ct);
    }

    /// <summary>Lets <paramref name="write"/> fill a staging folder on the compute thread: a copy that later changes to the model do not touch.</summary>
    public async Task<StagedCheckpoint> StageAsync(ComputeQueue compute, string runId, string kind, int version, Action<string> write, CancellationToken ct)
    {
        var staged = new StagedCheckpoint(runId, kind, version, Path.Combine(Staging, $"{runId}-{kind}-{version}-{Guid.NewGuid():N}"));
        try
        {
            await compute.Run(() => write(staged.Folder), ct);
            return staged;
        }
        catch
        {
            staged.Dispose();
            throw;
        }
    }

    /// <summary>Uploads, commits and records a staged folder (adopting an identical one committed already); the folder becomes this silo's cached copy.</summary>
    public async Task<CheckpointRef> CommitAsync(StagedCheckpoint staged, CancellationToken ct)
    {
        var (runId, kind, version, folder) = (staged.RunId, staged.Kind, staged.Version, staged.Folder);
        CheckpointRef checkpoint;
        try
        {
            checkpoint = await store.WriteAsync(runId, kind, version, folder, ct);
        }
        catch (CheckpointConflictException conflict)
        {
            checkpoint = await AdoptAsync(runId, kind, version, folder, conflict, ct);
        }
        FaultPoints.Hit($"after-checkpoint-commit:{kind}:{version}");
        await runs.RecordCheckpointAsync(checkpoint, ct);
        logger.LogInformation("Committed checkpoint {Run}/{Kind}/{Version} ({Bytes} bytes)", runId, kind, version, checkpoint.SizeBytes);
        KeepAsCached(runId, kind, version, folder, checkpoint);
        return checkpoint;
    }

    /// <summary>
    /// The folder just committed (or adopted: same manifest sha256, so the same files) becomes this silo's
    /// cached copy of the version: grains on this silo load it without fetching it back from the store.
    /// </summary>
    void KeepAsCached(string runId, string kind, int version, string folder, CheckpointRef checkpoint)
    {
        string cached = CacheFolder(runId, kind, version);
        if (Directory.Exists(cached)) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
            Directory.Move(folder, cached);
        }
        catch (IOException e)
        {
            logger.LogDebug("Checkpoint {Ref} not kept in the local cache: {Error}", checkpoint.Uri, e.Message);
        }
    }

    string CacheFolder(string runId, string kind, int version) =>
        Path.Combine(Cache, runId, kind, version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// The version is committed already: by this same work before a crash cut it off from its run-store
    /// row, or by a replay of the same step. Same content (manifest sha256) → adopt it; other content is a
    /// real conflict, and the committed checkpoint stays as it is.
    /// </summary>
    async Task<CheckpointRef> AdoptAsync(string runId, string kind, int version, string folder, CheckpointConflictException conflict, CancellationToken ct)
    {
        CheckpointRef committed;
        try
        {
            committed = await store.DescribeAsync(runId, kind, version, ct);
        }
        catch (CheckpointCorruptException)
        {
            throw conflict; // not a commit of ours: its manifest does not even read
        }
        string ours = await Storage.Checkpoints.CheckpointContent.Sha256OfFolderAsync(runId, kind, version, folder, ct);
        if (committed.Sha256 != ours)
            throw new CheckpointConflictException(
                $"{runId}/{kind}/{version} is committed with other content (manifest sha256 {committed.Sha256}, this write {ours}); it is kept as it is");
        logger.LogInformation("Adopted checkpoint {Run}/{Kind}/{Version}: committed earlier with the same content", runId, kind, version);
        return committed;
    }

    /// <summary>
    /// Records the versions of <paramref name="kinds"/> that the checkpoint store committed but the run
    /// store never recorded (the process died between the two), as long as they continue the recorded chain. Metrics are recorded before a version is
    /// published, so the adopted version's step already has the rows that describe it.
    /// </summary>
    public async Task<IReadOnlyList<CheckpointRef>> ReconcileAsync(string runId, IEnumerable<string> kinds, CancellationToken ct)
    {
        var recorded = await runs.GetCheckpointsAsync(runId, ct);
        var adopted = new List<CheckpointRef>();
        foreach (string kind in kinds)
        {
            var versions = recorded.Where(c => c.Kind == kind).Select(c => c.Version).ToList();
            // Only the versions that continue the recorded chain: one a crash cut off follows the last
            // recorded one directly; anything past a gap is not this run's own work.
            int? next = versions.Count > 0 ? versions.Max() + 1 : null;
            foreach (int version in (await store.ListVersionsAsync(runId, kind, ct)).Order())
            {
                if (versions.Contains(version)) continue;
                if (next is { } expected && version != expected) break;
                var checkpoint = await store.DescribeAsync(runId, kind, version, ct);
                await runs.RecordCheckpointAsync(checkpoint, ct);
                logger.LogInformation("Adopted checkpoint {Run}/{Kind}/{Version}: committed, but its run-store row was missing", runId, kind, version);
                adopted.Add(checkpoint);
                next = version + 1;
            }
        }
        return adopted;
    }

    /// <summary>
    /// After a run ends: removes what its writes left in the checkpoint store without committing
    /// (crashed or losing writers), and this silo's scratch folders of earlier processes.
    /// </summary>
    public async Task<int> CollectGarbageAsync(string runId, CancellationToken ct)
    {
        int removed = await store.CollectGarbageAsync(runId, TimeSpan.FromMinutes(1), ct);
        if (removed > 0) logger.LogInformation("Removed {Count} abandoned checkpoint blobs or folders of run {Run}", removed, runId);
        RemoveStaleScratch(TimeSpan.FromHours(1));
        return removed;
    }

    /// <summary>Staging folders and partial downloads a process died with (a live one's are younger).</summary>
    void RemoveStaleScratch(TimeSpan minAge)
    {
        var cutoff = DateTime.UtcNow - minAge;
        var stale = (Directory.Exists(Staging) ? Directory.EnumerateDirectories(Staging) : [])
            .Concat(Directory.Exists(Cache) ? Directory.EnumerateDirectories(Cache, "*.partial-*", SearchOption.AllDirectories) : []);
        foreach (string folder in stale.ToList())
        {
            try
            {
                if (Directory.GetLastWriteTimeUtc(folder) < cutoff) Directory.Delete(folder, recursive: true);
            }
            catch (IOException) { /* gone or in use: the next collection tries again */ }
            catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Local folder holding the committed checkpoint, downloaded (and verified) on first use.</summary>
    public async Task<string> FetchAsync(string runId, string kind, int version, CancellationToken ct)
    {
        string folder = CacheFolder(runId, kind, version);
        if (Directory.Exists(folder)) return folder;
        string partial = folder + ".partial-" + Guid.NewGuid().ToString("N");
        try
        {
            await store.ReadAsync(runId, kind, version, partial, ct);
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            try { Directory.Move(partial, folder); }
            catch (IOException) when (Directory.Exists(folder)) { /* another activation fetched it first */ }
        }
        finally
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        }
        return folder;
    }
}

/// <summary>A checkpoint written to this silo's staging space and not committed yet; disposing it deletes what is left of the folder.</summary>
public sealed record StagedCheckpoint(string RunId, string Kind, int Version, string Folder) : IDisposable
{
    public void Dispose()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }
}
