namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>
/// The manifest sha256 a folder would be committed under (the same bytes either store writes), so a
/// writer that finds its version committed already can tell its own earlier commit from someone else's.
/// </summary>
public static class CheckpointContent
{
    public static async Task<string> Sha256OfFolderAsync(string runId, string kind, int version, string folder, CancellationToken ct = default)
    {
        var files = new List<CheckpointFile>();
        foreach (var source in CheckpointSourceFiles.List(folder))
        {
            string sha256 = await Sha256Copy.HashFileAsync(source.FullPath, ct);
            files.Add(new CheckpointFile(source.RelativePath, sha256, new FileInfo(source.FullPath).Length));
        }
        return CheckpointManifest.Sha256Of(new CheckpointManifest(CheckpointManifest.CurrentFormat, runId, kind, version, files).ToBytes());
    }
}
