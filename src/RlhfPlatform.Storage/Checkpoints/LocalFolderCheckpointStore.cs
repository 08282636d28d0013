using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>
/// Checkpoints in a local folder, at <c>{root}/runs/{run}/{kind}/{version}/</c>. A write fills a
/// scratch sibling folder, verifies every copy's sha256, writes <c>manifest.json</c>, and commits by
/// renaming the folder into place (atomic on one file system). A version folder without a manifest
/// was never committed: it is ignored, and a later write replaces it.
/// </summary>
public sealed class LocalFolderCheckpointStore : ICheckpointStore
{
    private readonly string _root;

    public LocalFolderCheckpointStore(string rootFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootFolder);
        _root = Path.GetFullPath(rootFolder);
    }

    public Task InitializeAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task<CheckpointRef> WriteAsync(string runId, string kind, int version, string sourceFolder, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        var checkpoint = CheckpointNames.Describe(runId, kind, version);
        var sources = CheckpointSourceFiles.List(sourceFolder);
        var final = VersionFolder(runId, kind, version);
        if (IsCommitted(final))
            throw new CheckpointConflictException($"{checkpoint} is committed already at {final}");

        var kindFolder = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(kindFolder);
        var staging = Path.Combine(kindFolder, $".staging-{version}-{Guid.NewGuid():N}");
        try
        {
            var files = new List<CheckpointFile>(sources.Count);
            foreach (var source in sources)
                files.Add(await CopyVerifiedAsync(source, staging, checkpoint, ct));

            var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, runId, kind, version, files);
            var manifestBytes = manifest.ToBytes();
            await WriteDurablyAsync(Path.Combine(staging, CheckpointNames.ManifestFileName), manifestBytes, ct);

            RemoveUncommitted(final, kindFolder, checkpoint);
            try
            {
                Directory.Move(staging, final);
            }
            catch (IOException) when (IsCommitted(final))
            {
                throw new CheckpointConflictException($"{checkpoint} was committed by another writer meanwhile at {final}");
            }
            return new CheckpointRef(runId, kind, version, FolderUri(final), CheckpointManifest.Sha256Of(manifestBytes), manifest.SizeBytes);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    public async Task ReadAsync(string runId, string kind, int version, string targetFolder, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetFolder);
        var checkpoint = CheckpointNames.Describe(runId, kind, version);
        var folder = VersionFolder(runId, kind, version);
        if (!IsCommitted(folder))
            throw new CheckpointNotFoundException($"{checkpoint} does not exist (no committed manifest under {folder})");

        var manifest = CheckpointManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, CheckpointNames.ManifestFileName), ct), checkpoint);
        Directory.CreateDirectory(targetFolder);
        foreach (var file in manifest.Files)
        {
            var stored = Path.Combine(folder, file.Path);
            if (!File.Exists(stored))
                throw new CheckpointCorruptException($"{checkpoint}: file '{file.Path}' is in the manifest but missing from {folder}");
            await using var input = Sha256Copy.OpenRead(stored);
            await VerifiedCheckpointReader.CopyVerifiedAsync(input, file, targetFolder, checkpoint, ct);
        }
    }

    public async Task<CheckpointRef> DescribeAsync(string runId, string kind, int version, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        var checkpoint = CheckpointNames.Describe(runId, kind, version);
        var folder = VersionFolder(runId, kind, version);
        if (!IsCommitted(folder))
            throw new CheckpointNotFoundException($"{checkpoint} does not exist (no committed manifest under {folder})");
        var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, CheckpointNames.ManifestFileName), ct);
        var manifest = CheckpointManifest.Parse(bytes, checkpoint);
        return new CheckpointRef(runId, kind, version, FolderUri(folder), CheckpointManifest.Sha256Of(bytes), manifest.SizeBytes);
    }

    public Task<bool> ExistsAsync(string runId, string kind, int version, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        return Task.FromResult(IsCommitted(VersionFolder(runId, kind, version)));
    }

    public Task<IReadOnlyList<int>> ListVersionsAsync(string runId, string kind, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind);
        var kindFolder = Path.Combine(_root, "runs", runId, kind);
        IReadOnlyList<int> versions = !Directory.Exists(kindFolder)
            ? []
            : Directory.EnumerateDirectories(kindFolder)
                .Where(IsCommitted)
                .Select(folder => CheckpointNames.TryParseVersion(Path.GetFileName(folder), out var version) ? version : -1)
                .Where(version => version >= 0)
                .Order()
                .ToList();
        return Task.FromResult(versions);
    }

    /// <summary>Scratch folders of writes that died before their rename, and version folders without a manifest, older than <paramref name="minAge"/>.</summary>
    public Task<int> CollectGarbageAsync(string runId, TimeSpan minAge, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId);
        string runFolder = Path.Combine(_root, "runs", runId);
        if (!Directory.Exists(runFolder)) return Task.FromResult(0);
        var cutoff = DateTime.UtcNow - minAge;
        int removed = 0;
        foreach (var kindFolder in Directory.EnumerateDirectories(runFolder))
            foreach (var folder in Directory.EnumerateDirectories(kindFolder))
            {
                ct.ThrowIfCancellationRequested();
                bool abandoned = Path.GetFileName(folder).StartsWith(".staging-", StringComparison.Ordinal) || !IsCommitted(folder);
                if (!abandoned || Directory.GetLastWriteTimeUtc(folder) > cutoff) continue;
                try
                {
                    Directory.Delete(folder, recursive: true);
                    removed++;
                }
                catch (DirectoryNotFoundException)
                {
                    // another collector got there first
                }
            }
        return Task.FromResult(removed);
    }

    private string VersionFolder(string runId, string kind, int version) =>
        Path.Combine(_root, "runs", runId, kind, CheckpointNames.VersionName(version));

    private static bool IsCommitted(string versionFolder) => File.Exists(Path.Combine(versionFolder, CheckpointNames.ManifestFileName));

    private static string FolderUri(string folder) => new Uri(folder + Path.DirectorySeparatorChar).AbsoluteUri;

    private static async Task<CheckpointFile> CopyVerifiedAsync(CheckpointSourceFile source, string staging, string checkpoint, CancellationToken ct)
    {
        var target = Path.Combine(staging, source.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        (string Sha256, long Length) copied;
        await using (var input = Sha256Copy.OpenRead(source.FullPath))
        await using (var output = Sha256Copy.CreateNew(target))
        {
            copied = await Sha256Copy.CopyAsync(input, output, ct);
            output.Flush(flushToDisk: true);
        }

        var written = await Sha256Copy.HashFileAsync(target, ct);
        if (written != copied.Sha256)
            throw new CheckpointCorruptException(
                $"{checkpoint}: copy of '{source.RelativePath}' has sha256 {written}, the source read as {copied.Sha256}");
        return new CheckpointFile(source.RelativePath, copied.Sha256, copied.Length);
    }

    private static async Task WriteDurablyAsync(string path, byte[] bytes, CancellationToken ct)
    {
        await using var output = Sha256Copy.CreateNew(path);
        await output.WriteAsync(bytes, ct);
        // Flushed to disk before the rename that commits it, so a crash cannot leave a committed
        // folder whose files are still empty.
        output.Flush(flushToDisk: true);
    }

    /// <summary>Clears the way for the commit rename: a folder left by a write that never committed.
    /// It is first renamed aside (atomic), so a writer that committed in between is put back, not deleted.</summary>
    private static void RemoveUncommitted(string final, string kindFolder, string checkpoint)
    {
        if (!Directory.Exists(final))
            return;
        var aside = Path.Combine(kindFolder, $".abandoned-{Path.GetFileName(final)}-{Guid.NewGuid():N}");
        Directory.Move(final, aside);
        if (IsCommitted(aside))
        {
            Directory.Move(aside, final);
            throw new CheckpointConflictException($"{checkpoint} was committed by another writer meanwhile at {final}");
        }
        Directory.Delete(aside, recursive: true);
    }
}
