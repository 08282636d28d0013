using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>
/// Checkpoints in an Azure Blob container, at <c>runs/{run}/{kind}/{version}/</c>. A write uploads
/// each file as a blob named by its content (<c>blobs/{sha256}</c>), then <c>manifest.json</c> last,
/// on condition that none exists: that conditional write is the commit. Two writers of one version
/// (a timed-out update and its replay, two clusters) therefore never overwrite each other's data:
/// equal content lands on the same names, other content on other names, and only one manifest
/// commits. Blobs no committed manifest names (a write that never committed, or lost the race) are
/// ignored by readers and removed by <see cref="CollectGarbageAsync"/>. Checkpoints written before
/// content naming keep their files at their paths and read as before.
/// </summary>
public sealed class AzureBlobCheckpointStore : ICheckpointStore
{
    private readonly BlobContainerClient _container;

    public AzureBlobCheckpointStore(string connectionString, string containerName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(containerName);
        _container = new BlobServiceClient(connectionString, CreateClientOptions()).GetBlobContainerClient(containerName);
    }

    /// <summary>Fail fast on a dead endpoint (a refused or silent connection costs seconds, not
    /// minutes), while a slow but live transfer still gets the SDK's long per-request timeout.</summary>
    private static BlobClientOptions CreateClientOptions()
    {
        var options = new BlobClientOptions
        {
            Transport = new HttpClientTransport(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) }),
        };
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        // The service checks each upload request's bytes against this checksum.
        options.TransferValidation.Upload.ChecksumAlgorithm = StorageChecksumAlgorithm.MD5;
        return options;
    }

    public Task InitializeAsync(CancellationToken ct = default) =>
        GuardAsync(() => _container.CreateIfNotExistsAsync(cancellationToken: ct), ct);

    public Task<CheckpointRef> WriteAsync(string runId, string kind, int version, string sourceFolder, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        var checkpoint = CheckpointNames.Describe(runId, kind, version);
        var sources = CheckpointSourceFiles.List(sourceFolder);
        var prefix = CheckpointNames.VersionPrefix(runId, kind, version);
        return GuardAsync(async () =>
        {
            var manifestBlob = _container.GetBlobClient(prefix + CheckpointNames.ManifestFileName);
            if (await manifestBlob.ExistsAsync(ct))
                throw new CheckpointConflictException($"{checkpoint} is committed already at {PrefixUri(prefix)}");

            var files = new List<CheckpointFile>(sources.Count);
            foreach (var source in sources)
                files.Add(await UploadAsync(source, prefix, ct));

            var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormat, runId, kind, version, files);
            var manifestBytes = manifest.ToBytes();
            try
            {
                await manifestBlob.UploadAsync(BinaryData.FromBytes(manifestBytes), overwrite: false, ct);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
            {
                throw new CheckpointConflictException($"{checkpoint} was committed by another writer meanwhile at {PrefixUri(prefix)}");
            }
            return new CheckpointRef(runId, kind, version, PrefixUri(prefix), CheckpointManifest.Sha256Of(manifestBytes), manifest.SizeBytes);
        }, ct);
    }

    public Task<CheckpointRef> DescribeAsync(string runId, string kind, int version, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        var checkpoint = CheckpointNames.Describe(runId, kind, version);
        var prefix = CheckpointNames.VersionPrefix(runId, kind, version);
        return GuardAsync(async () =>
        {
            var bytes = await DownloadManifestAsync(prefix, checkpoint, ct);
            var manifest = CheckpointManifest.Parse(bytes, checkpoint);
            return new CheckpointRef(runId, kind, version, PrefixUri(prefix), CheckpointManifest.Sha256Of(bytes), manifest.SizeBytes);
        }, ct);
    }

    public Task ReadAsync(string runId, string kind, int version, string targetFolder, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetFolder);
        var checkpoint = CheckpointNames.Describe(runId, kind, version);
        var prefix = CheckpointNames.VersionPrefix(runId, kind, version);
        return GuardAsync(async () =>
        {
            var manifest = CheckpointManifest.Parse(await DownloadManifestAsync(prefix, checkpoint, ct), checkpoint);
            Directory.CreateDirectory(targetFolder);
            foreach (var file in manifest.Files)
            {
                Stream stored;
                try
                {
                    stored = await OpenStoredAsync(prefix, file, ct)
                        ?? throw new CheckpointCorruptException($"{checkpoint}: file '{file.Path}' is in the manifest but missing from {PrefixUri(prefix)}");
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    throw new CheckpointCorruptException($"{checkpoint}: file '{file.Path}' is in the manifest but missing from {PrefixUri(prefix)}");
                }
                await using (stored)
                    await VerifiedCheckpointReader.CopyVerifiedAsync(stored, file, targetFolder, checkpoint, ct);
            }
            return true;
        }, ct);
    }

    public Task<bool> ExistsAsync(string runId, string kind, int version, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind, version);
        var manifestBlob = _container.GetBlobClient(CheckpointNames.VersionPrefix(runId, kind, version) + CheckpointNames.ManifestFileName);
        return GuardAsync(async () => (bool)await manifestBlob.ExistsAsync(ct), ct);
    }

    public Task<IReadOnlyList<int>> ListVersionsAsync(string runId, string kind, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId, kind);
        var kindPrefix = CheckpointNames.KindPrefix(runId, kind);
        return GuardAsync<IReadOnlyList<int>>(async () =>
        {
            var versions = new SortedSet<int>();
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = kindPrefix }, ct))
            {
                // Committed versions are exactly those with "{version}/manifest.json".
                var rest = blob.Name[kindPrefix.Length..].Split('/');
                if (rest is [var name, CheckpointNames.ManifestFileName] && CheckpointNames.TryParseVersion(name, out var version))
                    versions.Add(version);
            }
            return versions.ToList();
        }, ct);
    }

    private const string BlobsFolder = "blobs/";

    private static string ContentBlobName(string prefix, string sha256) => prefix + BlobsFolder + sha256;

    private async Task<CheckpointFile> UploadAsync(CheckpointSourceFile source, string prefix, CancellationToken ct)
    {
        // Hash first, then upload: the manifest records what the reader must get back, and the
        // reader verifies it; the upload itself is checked per request by the transfer checksum.
        var sha256 = await Sha256Copy.HashFileAsync(source.FullPath, ct);
        await using var input = Sha256Copy.OpenRead(source.FullPath);
        try
        {
            await _container.GetBlobClient(ContentBlobName(prefix, sha256)).UploadAsync(input, overwrite: false, ct);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            // Named by content: an earlier attempt uploaded these very bytes (the reader verifies them).
        }
        return new CheckpointFile(source.RelativePath, sha256, input.Length);
    }

    /// <summary>
    /// Deletes the blobs of a run that no committed manifest needs and that are older than
    /// <paramref name="minAge"/> (a write still in flight is younger): data of writes that never
    /// committed or lost the commit race. Returns how many were deleted.
    /// </summary>
    public Task<int> CollectGarbageAsync(string runId, TimeSpan minAge, CancellationToken ct = default)
    {
        CheckpointNames.Validate(runId);
        string runPrefix = CheckpointNames.RunPrefix(runId);
        return GuardAsync(async () =>
        {
            var byVersion = new Dictionary<string, List<BlobItem>>(StringComparer.Ordinal);
            await foreach (var blob in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = runPrefix }, ct))
            {
                // runs/{run}/{kind}/{version}/...
                var parts = blob.Name[runPrefix.Length..].Split('/', 3);
                if (parts.Length < 3) continue;
                string versionPrefix = $"{runPrefix}{parts[0]}/{parts[1]}/";
                if (!byVersion.TryGetValue(versionPrefix, out var blobs)) byVersion[versionPrefix] = blobs = [];
                blobs.Add(blob);
            }
            var cutoff = DateTimeOffset.UtcNow - minAge;
            int deleted = 0;
            foreach (var (versionPrefix, blobs) in byVersion)
            {
                var needed = new HashSet<string>(StringComparer.Ordinal) { versionPrefix + CheckpointNames.ManifestFileName };
                if (blobs.Any(b => b.Name == versionPrefix + CheckpointNames.ManifestFileName))
                {
                    var bytes = await DownloadManifestAsync(versionPrefix, versionPrefix, ct);
                    foreach (var file in CheckpointManifest.Parse(bytes, versionPrefix).Files)
                    {
                        needed.Add(ContentBlobName(versionPrefix, file.Sha256));
                        needed.Add(versionPrefix + file.Path); // the layout before content naming
                    }
                }
                foreach (var blob in blobs)
                {
                    if (needed.Contains(blob.Name) || blob.Properties.LastModified is not { } modified || modified > cutoff) continue;
                    if ((await _container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: ct)).Value) deleted++;
                }
            }
            return deleted;
        }, ct);
    }

    /// <summary>The committed manifest's bytes under a version prefix; <see cref="CheckpointNotFoundException"/> if there is none.</summary>
    private async Task<byte[]> DownloadManifestAsync(string prefix, string checkpoint, CancellationToken ct)
    {
        try
        {
            return (await _container.GetBlobClient(prefix + CheckpointNames.ManifestFileName).DownloadContentAsync(ct)).Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new CheckpointNotFoundException($"{checkpoint} does not exist (no committed manifest under {PrefixUri(prefix)})");
        }
    }

    /// <summary>A committed file's bytes: its content-named blob, or (written before content naming) the blob at its path; null if neither exists.</summary>
    private async Task<Stream?> OpenStoredAsync(string prefix, CheckpointFile file, CancellationToken ct)
    {
        foreach (string name in new[] { ContentBlobName(prefix, file.Sha256), prefix + file.Path })
        {
            try
            {
                return (await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: ct)).Value.Content;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
            }
        }
        return null;
    }

    private string PrefixUri(string prefix) => $"{_container.Uri.AbsoluteUri.TrimEnd('/')}/{prefix}";

    private Task GuardAsync(Func<Task> action, CancellationToken ct) =>
        GuardAsync(async () =>
        {
            await action();
            return true;
        }, ct);

    /// <summary>Runs a blob operation, turning "the service cannot be used" into <see cref="CheckpointStoreUnavailableException"/>.</summary>
    private async Task<T> GuardAsync<T>(Func<Task<T>> action, CancellationToken ct)
    {
        try
        {
            return await action();
        }
        catch (Exception failure) when (BlobStoreFailures.UnavailableCause(failure, ct) is { } cause)
        {
            throw new CheckpointStoreUnavailableException(
                $"blob checkpoint store at {_container.Uri.GetLeftPart(UriPartial.Path)} is unavailable: {cause.ReplaceLineEndings(" ")}", failure);
        }
    }
}
