using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RlhfPlatform.AdminApi.Experiments;
using RlhfPlatform.Cli.Demo;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using RlhfPlatform.Silo;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf demo`: the synthetic over-optimization benchmark in an in-process silo, no servers. One run
/// per reward model (same seed, data and RL recipe), then the comparison table and the reward-vs-KL plot.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "Directory for the run store, checkpoints, data and reports", DefaultValueFactory = _ => "rlhf-out" };
        var quickOption = new Option<bool>("--quick") { Description = "Fewer reward models and steps: under 2 minutes on 2 cores" };
        var jsonOption = new Option<string?>("--json") { Description = "Also write the results table as JSON to this file" };
        var seedOption = new Option<int>("--seed") { Description = "Seed of data, initialisation and sampling", DefaultValueFactory = _ => 1 };
        var modelsOption = new Option<string[]>("--reward-models")
        {
            Description = "Reward-model objectives to compare (default: all for a full run, a few with --quick)",
            AllowMultipleArgumentsPerToken = true,
        };
        var rmInitOption = new Option<string>("--rm-init")
        {
            Description = "Where reward models start: sft (the SFT policy, default) or scratch (random weights)",
            DefaultValueFactory = _ => "sft",
        };
        rmInitOption.AcceptOnlyFromAmong("sft", "scratch");
        var command = new Command("demo", "Run the synthetic RLHF benchmark end to end on the CPU: SFT, reward models, RLOO, evaluation")
        {
            outOption, quickOption, jsonOption, seedOption, modelsOption, rmInitOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () => RunAsync(
            result.GetValue(outOption)!, result.GetValue(quickOption), result.GetValue(jsonOption), result.GetValue(seedOption),
            result.GetValue(modelsOption), result.GetValue(rmInitOption)!, ct)));
        return command;
    }

    static async Task<int> RunAsync(string outDirectory, bool quick, string? jsonPath, int seed, string[]? objectives, string rmInit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        outDirectory = Path.GetFullPath(outDirectory);
        Directory.CreateDirectory(outDirectory);
        objectives = objectives is { Length: > 0 } ? objectives : quick ? DemoSpecs.QuickRewardModels : DemoSpecs.FullRewardModels;
        string experiment = $"demo-s{seed}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        var (sftPath, pairsPath, flipped) = DemoData.Write(Path.Combine(outDirectory, "data"), 12, quick, seed);
        var specs = objectives.Select(o => RunSpecParser.Parse(RunSpecParser.ToJson(DemoSpecs.Create(quick, seed, experiment, o, rmInit, sftPath, pairsPath)))).ToList();
        AnsiConsole.MarkupLine($"[bold]rlhf demo[/] ({(quick ? "quick" : "full")}, seed {seed}): synthetic length task, " +
                               $"{specs.Count} reward models, {flipped} preference labels flipped (25% noise)");

        await using var platform = await EmbeddedPlatform.StartAsync(outDirectory, ct);
        var settings = platform.Settings;
        var runs = new List<(string Label, IRunGrain Grain)>();
        foreach (var spec in specs)
        {
            var run = await platform.Submission.SubmitAsync(spec, ct);
            runs.Add((spec.RewardModel.Name, platform.Grains.GetGrain<IRunGrain>(run.RunId)));
        }
        var final = await RunProgressDisplay.FollowAsync(runs, ct);

        var comparison = await ExperimentComparison.BuildAsync(platform.RunStore, experiment, ct);
        var paths = await WriteReportsAsync(comparison, outDirectory, settings, sftPath, pairsPath, ct);
        DemoOutput.Print(comparison, paths, clock.Elapsed);
        if (jsonPath != null)
        {
            var json = new DemoJson(experiment, seed, quick, clock.Elapsed.TotalSeconds, comparison.Rows, paths);
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(json, RunSpecParser.JsonOptions), ct);
            AnsiConsole.MarkupLine($"results JSON: {Markup.Escape(Path.GetFullPath(jsonPath))}");
        }
        var failed = final.Select((progress, i) => (runs[i].Label, Progress: progress))
            .Where(r => r.Progress.Status != RunStatus.Completed).ToList();
        if (failed.Count == 0) return 0;
        // One line for the command: the first failed run's error, and which others failed.
        var (label, first) = failed[0];
        string others = failed.Count > 1 ? $" (also not completed: {string.Join(", ", failed.Skip(1).Select(r => r.Label))})" : "";
        await Console.Error.WriteLineAsync($"error: demo run {label}: {first.Error ?? first.Status.ToWire()}{others}");
        return 1;
    }

    static async Task<DemoPaths> WriteReportsAsync(ExperimentComparison comparison, string outDirectory, RlhfSettings settings,
        string sftPath, string pairsPath, CancellationToken ct)
    {
        string reports = Path.Combine(outDirectory, "reports", comparison.Experiment);
        Directory.CreateDirectory(reports);
        var paths = new DemoPaths(outDirectory, settings.RunStore.Path!, settings.CheckpointStore.Path!, sftPath, pairsPath,
            Path.Combine(reports, "comparison.json"), Path.Combine(reports, "comparison.csv"),
            Path.Combine(reports, "rl-reward-vs-kl.svg"), Path.Combine(reports, "rl-reward-vs-kl.png"),
            Path.Combine(reports, "bon-reward-vs-kl.svg"), Path.Combine(reports, "bon-reward-vs-kl.png"));
        await File.WriteAllTextAsync(paths.ComparisonJson, JsonSerializer.Serialize(comparison, RunSpecParser.JsonOptions), ct);
        await File.WriteAllTextAsync(paths.ComparisonCsv, ComparisonCsv.Write(comparison), ct);
        await File.WriteAllTextAsync(paths.PlotSvg, ComparisonPlot.Svg(comparison), ct);
        await File.WriteAllBytesAsync(paths.PlotPng, ComparisonPlot.Png(comparison), ct);
        await File.WriteAllTextAsync(paths.BestOfNPlotSvg, ComparisonPlot.Svg(comparison, ComparisonPlotKind.BestOfN), ct);
        await File.WriteAllBytesAsync(paths.BestOfNPlotPng, ComparisonPlot.Png(comparison, ComparisonPlotKind.BestOfN), ct);
        return paths;
    }
}
