using System.CommandLine;
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
        var settings = ServeCommand.Settings(Path.GetFullPath(outDirectory)).Validate();
        await using var stores = await Stores.OpenAsync(settings, ct);
        Console.WriteLine(await DataPush.PushAsync(stores.CheckpointStore, path, name, ct));
        return 0;
    }
}
