using System.CommandLine;
using RlhfPlatform.Contracts;
using RlhfPlatform.Silo;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf submit SPEC [--push --out DIR]`: validates a run spec locally (relative data paths resolve
/// against the spec's folder) and submits it. A server reads only its own data roots; when it refuses
/// a local path, the error names each one and how to push it. With --push every local file and model
/// folder goes into the checkpoint/data store first (the one `serve` uses: --out or Rlhf__CheckpointStore__*)
/// and the spec is submitted with their blob: URIs; for an experiment spec, every path any of its runs
/// reads (<see cref="ExperimentPush"/>).
/// </summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var specArgument = new Argument<string>("spec") { Description = "Run spec JSON file (schemas/run-spec.schema.json)" };
        var apiOption = ApiClient.UrlOption();
        var pushOption = new Option<bool>("--push") { Description = "Upload every local file and model folder the spec names into the data store and submit their blob: URIs" };
        var outOption = new Option<string>("--out") { Description = "With --push: directory of the embedded stores (as for serve)", DefaultValueFactory = _ => "rlhf-out" };
        var keyOption = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key to send (default: a new one); resubmitting with the same key returns the same run(s)" };
        var command = new Command("submit", "Submit a run spec, or an experiment spec (one run per reward model and seed), to the admin API")
        {
            specArgument, apiOption, pushOption, outOption, keyOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            string path = Path.GetFullPath(result.GetValue(specArgument)!);
            if (!File.Exists(path)) throw new FileNotFoundException($"run spec not found: {path}", path);
            string json = await File.ReadAllTextAsync(path, ct);
            string idempotencyKey = result.GetValue(keyOption) ?? Guid.NewGuid().ToString("N");
            using var api = new ApiClient(result.GetValue(apiOption)!);
            if (ExperimentSpecParser.IsExperiment(json))
            {
                var runs = ExperimentSpecParser.Expand(json, Path.GetDirectoryName(path)); // the same checks as the server's, before sending
                if (result.GetValue(pushOption))
                    json = await ExperimentPush.PushLocalPathsAsync(json, runs, paths => PushAsync(paths, result.GetValue(outOption)!, ct));
                var submitted = await api.PostExperimentAsync(json, idempotencyKey, ct);
                foreach (var run in submitted.GetProperty("runs").EnumerateArray()) Console.WriteLine(run.GetProperty("id").GetString());
                return 0;
            }
            var spec = RunSpecParser.Parse(json, Path.GetDirectoryName(path));
            if (result.GetValue(pushOption)) spec = await PushLocalPathsAsync(spec, result.GetValue(outOption)!, ct);
            try
            {
                var run = await api.PostRunAsync(spec, idempotencyKey, ct);
                Console.WriteLine(run.GetProperty("id").GetString());
                return 0;
            }
            catch (AdminApiProblemException e) when (e.Status == 400 && Unreadable(spec, e.Detail) is { Count: > 0 } unreadable)
            {
                throw new ArgumentException(
                    $"the server cannot read {string.Join(", ", unreadable.Select(f => $"{f.Field} ({f.Path})"))}: it reads only its own data roots. " +
                    $"Upload them into the store it reads with `rlhf submit {result.GetValue(specArgument)} --push` (store options as for serve), " +
                    "or push each with `rlhf data push PATH` and put the printed blob: URI in the spec");
            }
        }));
        return command;
    }

    /// <summary>The spec's local paths the server's answer refuses (it names refused fields, never paths).</summary>
    static List<(string Field, string Path)> Unreadable(RunSpec spec, string detail) =>
        RunSpecParser.PathFields(spec)
            .Where(f => !DataUri.IsBlob(f.Path) && detail.Contains(DataRoots.Refusal(f.Field), StringComparison.Ordinal))
            .ToList();

    static async Task<RunSpec> PushLocalPathsAsync(RunSpec spec, string outDirectory, CancellationToken ct)
    {
        var local = RunSpecParser.PathFields(spec).Where(f => !DataUri.IsBlob(f.Path)).Select(f => f.Path).Distinct(StringComparer.Ordinal).ToList();
        if (local.Count == 0) return spec;
        var pushed = await PushAsync(local, outDirectory, ct);
        return RunSpecParser.MapPaths(spec, p => p != null && pushed.TryGetValue(p, out var uri) ? uri : p);
    }

    /// <summary>Stores each local file or model folder in the data store `serve` reads; returns each one's blob: URI.</summary>
    static async Task<IReadOnlyDictionary<string, string>> PushAsync(IReadOnlyList<string> localPaths, string outDirectory, CancellationToken ct)
    {
        var settings = ServeCommand.Settings(Path.GetFullPath(outDirectory)).Validate();
        await using var stores = await Stores.OpenAsync(settings, ct);
        var pushed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string localPath in localPaths)
        {
            var uri = await DataPush.PushAsync(stores.CheckpointStore, localPath, DataPush.NameFor(localPath), ct, renameFile: true);
            pushed[localPath] = uri.ToString();
            Console.Error.WriteLine($"pushed {localPath} as {uri}");
        }
        return pushed;
    }
}
