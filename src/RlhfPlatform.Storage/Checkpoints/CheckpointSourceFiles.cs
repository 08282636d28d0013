namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>A file to upload: where it is, and its path inside the checkpoint ('/' separators).</summary>
internal sealed record CheckpointSourceFile(string FullPath, string RelativePath);

internal static class CheckpointSourceFiles
{
    /// <summary>Every file under <paramref name="sourceFolder"/>, recursively (hidden files too), in path order.</summary>
    public static IReadOnlyList<CheckpointSourceFile> List(string sourceFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceFolder);
        var root = Path.GetFullPath(sourceFolder);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"checkpoint source folder '{root}' does not exist");

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        var files = Directory.EnumerateFiles(root, "*", options)
            .Select(path => new CheckpointSourceFile(path, Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/')))
            .OrderBy(file => file.RelativePath, StringComparer.Ordinal)
            .ToList();

        if (files.Count == 0)
            throw new ArgumentException($"checkpoint source folder '{root}' holds no files", nameof(sourceFolder));
        if (files.Any(file => file.RelativePath == CheckpointNames.ManifestFileName))
            throw new ArgumentException(
                $"checkpoint source folder '{root}' holds a '{CheckpointNames.ManifestFileName}', a name the checkpoint store reserves for its own manifest",
                nameof(sourceFolder));
        return files;
    }
}
