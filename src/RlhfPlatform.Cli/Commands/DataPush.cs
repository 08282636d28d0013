using System.Text.RegularExpressions;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Cli.Commands;

/// <summary>Stores a file or a model folder as the next version of a data name and returns its blob: URI.</summary>
public static partial class DataPush
{
    /// <param name="renameFile">store a file whose name a URI cannot hold under a name it can, instead of refusing it</param>
    public static async Task<DataUri> PushAsync(ICheckpointStore store, string path, string? name, CancellationToken ct, bool renameFile = false)
    {
        path = Path.GetFullPath(path);
        bool isFolder = Directory.Exists(path);
        if (!isFolder && !File.Exists(path)) throw new FileNotFoundException($"nothing to push: {path} is neither a file nor a folder", path);
        string fileName = Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar));
        if (renameFile && !isFolder && !DataUri.IsValidName(fileName)) fileName = Sanitized(fileName, "data");
        name ??= isFolder ? fileName : Path.GetFileNameWithoutExtension(fileName);
        if (!DataUri.IsValidName(name)) throw new ArgumentException($"--name '{name}': use letters, digits, '.', '-' and '_' (up to 100)");
        if (!isFolder && !DataUri.IsValidName(fileName)) throw new ArgumentException($"file name '{fileName}': use letters, digits, '.', '-' and '_' (or rename the file)");

        var versions = await store.ListVersionsAsync(DataUri.StoreRun, name, ct);
        int version = versions.Count == 0 ? 1 : versions.Max() + 1;
        string staging = isFolder ? path : Directory.CreateTempSubdirectory("rlhf-push-").FullName;
        try
        {
            if (!isFolder) File.Copy(path, Path.Combine(staging, fileName));
            await store.WriteAsync(DataUri.StoreRun, name, version, staging, ct);
        }
        finally
        {
            if (!isFolder) Directory.Delete(staging, recursive: true);
        }
        return new DataUri(name, version, isFolder ? null : fileName);
    }

    /// <summary>A store name made from a file or folder name: characters a name may not hold become '-'.</summary>
    public static string NameFor(string path)
    {
        string leaf = Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar));
        string stem = Directory.Exists(path) ? leaf : Path.GetFileNameWithoutExtension(leaf);
        return Sanitized(stem, "data");
    }

    static string Sanitized(string value, string fallback)
    {
        string name = NotAllowed().Replace(value, "-").TrimStart('.');
        name = name.Length == 0 ? fallback : name;
        return name.Length > 100 ? name[^100..] : name;
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex NotAllowed();
}
