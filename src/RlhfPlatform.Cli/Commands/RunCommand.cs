using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RlhfPlatform.Cli.Demo;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf run SPEC.json`: one run spec in an in-process silo (SQLite run store and checkpoint folder
/// under --out), followed with the demo's progress display, then its summary. Relative paths in the
/// spec resolve against the spec file's folder.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var specArgument = new Argument<string>("spec") { Description = "Run spec or experiment spec JSON file (schemas/run-spec.schema.json, schemas/experiment-spec.schema.json)" };
        var outOption = new Option<string>("--out") { Description = "Directory for the run store and checkpoints", DefaultValueFactory = _ => "rlhf-out" };
        var jsonOption = new Option<string?>("--json") { Description = "Also write the run's results as JSON to this file" };
        var seedOption = new Option<int?>("--seed") { Description = "Replace the spec's seed" };
        var command = new Command("run", "Run one spec end to end in this process: SFT, reward model, RL, evaluation")
        {
            specArgument, outOption, jsonOption, seedOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () => RunAsync(
            result.GetValue(specArgument)!, result.GetValue(outOption)!, result.GetValue(jsonOption), result.GetValue(seedOption), ct)));
        return command;
    }

    static async Task<int> RunAsync(string specFile, string outDirectory, string? jsonPath, int? seed, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string path = Path.GetFullPath(specFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"run spec not found: {path}", path);
        outDirectory = Path.GetFullPath(outDirectory);
        string specFolder = Path.GetDirectoryName(path)!;
        // On the user's own machine the spec's folder and --out are the data roots (see README, data roots).
        var roots = new DataRoots([specFolder, outDirectory]);
        string json = await File.ReadAllTextAsync(path, ct);
        if (ExperimentSpecParser.IsExperiment(json))
        {
            if (seed != null) throw new ArgumentException("--seed replaces a run spec's seed; an experiment lists its seeds itself");
            Directory.CreateDirectory(outDirectory);
            return await ExperimentRun.RunAsync(ExperimentSpecParser.Expand(json, specFolder, roots), outDirectory, jsonPath, ct);
        }
        var spec = RunSpecParser.Parse(json, specFolder, roots);
        if (seed is { } replaced) spec = spec with { Seed = replaced };
        Directory.CreateDirectory(outDirectory);
        var judge = spec.EffectiveJudge();
        AnsiConsole.MarkupLine($"[bold]rlhf run[/] {Markup.Escape(spec.Name)} (seed {spec.Seed}): " +
            Markup.Escape(spec.Policy.Base is { } b ? $"base {b}" : "policy trained from scratch") + ", judge " +
            Markup.Escape(judge.Model is { } model ? $"{judge.Kind} {model}" : judge.Kind));

        await using var platform = await EmbeddedPlatform.StartAsync(outDirectory, ct);
        var run = await platform.Submission.SubmitAsync(spec, ct);
        var final = (await RunProgressDisplay.FollowAsync([(spec.Name, platform.Grains.GetGrain<IRunGrain>(run.RunId))], ct))[0];

        var summary = await RunSummary.LoadAsync(platform.RunStore, run.RunId, final.Status, clock.Elapsed, outDirectory, ct);
        RunSummary.Print(summary);
        if (jsonPath != null)
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(summary, RunSpecParser.JsonOptions), ct);
            AnsiConsole.MarkupLine($"results JSON: {Markup.Escape(Path.GetFullPath(jsonPath))}");
        }
        if (final.Status == RunStatus.Completed) return 0;
        await Console.Error.WriteLineAsync($"error: run {spec.Name}: {final.Error ?? final.Status.ToWire()}");
        return 1;
    }
}
