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
/// per reward model and seed (same data and RL recipe per seed; one SFT per seed), then the benchmark
/// tables (figures at KL budgets, end figures, over seeds) and the plots.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "Directory for the run store, checkpoints, data and reports", DefaultValueFactory = _ => "rlhf-out" };
        var quickOption = new Option<bool>("--quick") { Description = "Fewer reward models and steps: under 2 minutes on 2 cores" };
        var jsonOption = new Option<string?>("--json") { Description = "Also write the results table as JSON to this file" };
        var seedOption = new Option<int>("--seed") { Description = "First seed of data, initialisation and sampling (--seeds N runs seed, seed+1, ...)", DefaultValueFactory = _ => 1 };
        var seedsOption = new Option<int?>("--seeds") { Description = $"Seeds per reward model (default {DemoSpecs.FullSeeds}, with --quick {DemoSpecs.QuickSeeds})" };
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
            outOption, quickOption, jsonOption, seedOption, seedsOption, modelsOption, rmInitOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () => RunAsync(
            result.GetValue(outOption)!, result.GetValue(quickOption), result.GetValue(jsonOption), result.GetValue(seedOption),
            result.GetValue(seedsOption), result.GetValue(modelsOption), result.GetValue(rmInitOption)!, ct)));
        return command;
    }

    static async Task<int> RunAsync(string outDirectory, bool quick, string? jsonPath, int seed, int? seedCount, string[]? objectives, string rmInit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        outDirectory = Path.GetFullPath(outDirectory);
        Directory.CreateDirectory(outDirectory);
        objectives = objectives is { Length: > 0 } ? objectives : quick ? DemoSpecs.QuickRewardModels : DemoSpecs.FullRewardModels;
        int count = seedCount ?? (quick ? DemoSpecs.QuickSeeds : DemoSpecs.FullSeeds);
        if (count < 1) throw new RunSpecException($"--seeds must be at least 1 (got {count})");
        int[] seeds = Enumerable.Range(seed, count).ToArray();
        string experiment = $"demo-s{seed}{(count > 1 ? $"x{count}" : "")}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        string dataFolder = Path.Combine(outDirectory, "data");
        var plans = new List<SeedPlan>();
        int flipped = 0;
        var data = new List<(string Sft, string Pairs)>();
        foreach (int s in seeds)
        {
            var (sftPath, pairsPath, flips) = DemoData.Write(Path.Combine(dataFolder, $"seed{s}"), 12, quick, s);
            data.Add((sftPath, pairsPath));
            flipped += flips;
            var specs = objectives.Select(o => RunSpecParser.Parse(RunSpecParser.ToJson(DemoSpecs.Create(quick, s, experiment, o, rmInit, sftPath, pairsPath)))).ToList();
            plans.Add(new SeedPlan(s, specs[0], specs.Skip(1).ToArray()));
        }
        AnsiConsole.MarkupLine($"[bold]rlhf demo[/] ({(quick ? "quick" : "full")}, seed{(count > 1 ? $"s {seeds[0]}..{seeds[^1]}" : $" {seed}")}): synthetic length task, " +
                               $"{objectives.Length} reward models × {count} seed{(count > 1 ? "s" : "")}, {flipped} preference labels flipped (25% noise), " +
                               $"RLOO {DemoSpecs.RlSteps} steps (β_KL {DemoSpecs.KlCoef}, lr {DemoSpecs.RlLearningRate}), best-of-N up to {DemoSpecs.BestOfN}");

        int threads = int.TryParse(Environment.GetEnvironmentVariable("RLHF_DEMO_THREADS"), out int t) ? t : DemoSpecs.ComputeThreads;
        await using var platform = await EmbeddedPlatform.StartAsync(outDirectory, ct, threads);
        var final = await new DemoRunner(platform, dataFolder).RunAsync(plans, labelSeeds: count > 1, ct);

        var comparison = await ExperimentComparison.BuildAsync(platform.RunStore, experiment, ct);
        var runs = new List<BenchmarkRun>();
        foreach (var record in await platform.RunStore.ListRunsAsync(experiment, ct))
            runs.Add(await BenchmarkRun.LoadAsync(platform.RunStore, record, RunSpecParser.Parse(record.SpecJson), ct));
        var summaries = BenchmarkSummary.Of(runs, objectives);
        var paths = await WriteReportsAsync(comparison, runs, summaries, outDirectory, platform.Settings, data[0].Sft, data[0].Pairs, ct);
        DemoOutput.Print(experiment, summaries, count, paths, clock.Elapsed);
        if (jsonPath != null)
        {
            var json = new DemoJson(experiment, seeds, quick, clock.Elapsed.TotalSeconds, RunFigures.Budgets, comparison.Rows, summaries, paths);
            await File.WriteAllTextAsync(jsonPath, BenchmarkFiles.Json(json), ct);
            AnsiConsole.MarkupLine($"results JSON: {Markup.Escape(Path.GetFullPath(jsonPath))}");
        }
        var failed = final.Where(r => r.Progress.Status != RunStatus.Completed).ToList();
        if (failed.Count == 0) return 0;
        // One line for the command: the first failed run's error, and which others failed.
        var (label, first) = failed[0];
        string others = failed.Count > 1 ? $" (also not completed: {string.Join(", ", failed.Skip(1).Select(r => r.Label))})" : "";
        await Console.Error.WriteLineAsync($"error: demo run {label}: {first.Error ?? first.Status.ToWire()}{others}");
        return 1;
    }

    static async Task<DemoPaths> WriteReportsAsync(ExperimentComparison comparison, IReadOnlyList<BenchmarkRun> runs, IReadOnlyList<RewardModelSummary> summaries,
        string outDirectory, RlhfSettings settings, string sftPath, string pairsPath, CancellationToken ct)
    {
        string reports = Path.Combine(outDirectory, "reports", comparison.Experiment);
        Directory.CreateDirectory(reports);
        string R(string name) => Path.Combine(reports, name);
        var paths = new DemoPaths(outDirectory, settings.RunStore.Path!, settings.CheckpointStore.Path!, sftPath, pairsPath,
            R("comparison.json"), R("comparison.csv"), R("benchmark.csv"), R("benchmark-summary.csv"),
            R("rl-reward-vs-kl.svg"), R("rl-reward-vs-kl.png"), R("bon-reward-vs-kl.svg"), R("bon-reward-vs-kl.png"),
            R("rl-length-vs-step.svg"), R("rl-length-vs-step.png"), R("summary.svg"), R("summary.png"));
        await File.WriteAllTextAsync(paths.ComparisonJson, BenchmarkFiles.Json(comparison), ct);
        await File.WriteAllTextAsync(paths.ComparisonCsv, ComparisonCsv.Write(comparison), ct);
        await File.WriteAllTextAsync(paths.BenchmarkCsv, BenchmarkFiles.SeedsCsv(summaries), ct);
        await File.WriteAllTextAsync(paths.BenchmarkSummaryCsv, BenchmarkFiles.SummaryCsv(summaries), ct);
        var rms = summaries.Select(s => s.RewardModel).ToArray();
        const int w = BenchmarkPlots.PanelWidth, h = BenchmarkPlots.PanelHeight;
        async Task Figure(IReadOnlyList<ScottPlot.Plot> panels, int columns, string svg, string png)
        {
            await File.WriteAllTextAsync(svg, FigureGrid.Svg(panels, columns, w, h), ct);
            await File.WriteAllBytesAsync(png, FigureGrid.Png(panels, columns, w, h), ct);
        }
        foreach (var (optimizer, svg, png) in new[] { (BenchmarkPlots.Optimizer.Rl, paths.PlotSvg, paths.PlotPng), (BenchmarkPlots.Optimizer.BestOfN, paths.BestOfNPlotSvg, paths.BestOfNPlotPng) })
        {
            var pair = new[] { BenchmarkPlots.RewardVsKl(runs, rms, optimizer, gold: true), BenchmarkPlots.RewardVsKl(runs, rms, optimizer, gold: false) };
            pair[0].ShowLegend(ScottPlot.Alignment.LowerLeft);
            await Figure(pair, 2, svg, png);
        }
        var length = BenchmarkPlots.LengthVsStep(runs, rms);
        length.ShowLegend(ScottPlot.Alignment.UpperLeft);
        await Figure([length], 1, paths.LengthPlotSvg, paths.LengthPlotPng);
        await Figure(BenchmarkPlots.Summary(runs, summaries), 3, paths.SummarySvg, paths.SummaryPng);
        return paths;
    }
}
