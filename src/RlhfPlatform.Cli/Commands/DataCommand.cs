using System.CommandLine;
using RlhfPlatform.Contracts;
using RlhfPlatform.Silo;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf data push PATH [--name NAME]`: stores a file or a model folder in the checkpoint/data store
/// that `serve` is configured with (the local folder under --out by default, or Azure Blob) as the
/// next version of NAME, and prints the blob: URI to put in a run spec.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var pathArgument = new Argument<string>("path") { Description = "A data file or a model folder" };
        var nameOption = new Option<string?>("--name") { Description = "Name in the store (default: the file or folder name)" };
        var outOption = new Option<string>("--out") { Description = "Directory of the embedded stores (as for serve)", DefaultValueFactory = _ => "rlhf-out" };
        var push = new Command("push", "Upload a file or folder into the data store and print its URI") { pathArgument, nameOption, outOption };
        push.SetAction((result, ct) => RlhfCli.GuardAsync(result, () =>
            PushAsync(result.GetValue(pathArgument)!, result.GetValue(nameOption), result.GetValue(outOption)!, ct)));
        return new Command("data", "Data and models for run specs") { push };
    }

    static async Task<int> PushAsync(string path, string? name, string outDirectory, CancellationToken ct)
    {
        path = Path.GetFullPath(path);
        bool isFolder = Directory.Exists(path);
        if (!isFolder && !File.Exists(path)) throw new FileNotFoundException($"nothing to push: {path} is neither a file nor a folder", path);
        string fileName = Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar));
        name ??= isFolder ? fileName : Path.GetFileNameWithoutExtension(fileName);
        if (!DataUri.IsValidName(name)) throw new ArgumentException($"--name '{name}': use letters, digits, '.', '-' and '_' (up to 100)");
        if (!isFolder && !DataUri.IsValidName(fileName)) throw new ArgumentException($"file name '{fileName}': use letters, digits, '.', '-' and '_' (or rename the file)");

        var settings = ServeCommand.Settings(Path.GetFullPath(outDirectory)).Validate();
        await using var stores = await Stores.OpenAsync(settings, ct);
        var versions = await stores.CheckpointStore.ListVersionsAsync(DataUri.StoreRun, name, ct);
        int version = versions.Count == 0 ? 1 : versions.Max() + 1;
        string staging = isFolder ? path : Directory.CreateTempSubdirectory("rlhf-push-").FullName;
        try
        {
            if (!isFolder) File.Copy(path, Path.Combine(staging, fileName));
            await stores.CheckpointStore.WriteAsync(DataUri.StoreRun, name, version, staging, ct);
        }
        finally
        {
            if (!isFolder) Directory.Delete(staging, recursive: true);
        }
        Console.WriteLine(new DataUri(name, version, isFolder ? null : fileName));
        return 0;
    }
}
