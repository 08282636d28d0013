using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RlhfPlatform.AdminApi.Experiments;
using RlhfPlatform.Cli.Demo;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf run EXPERIMENT.json`: every (reward model, seed) run in this process, then the comparison aggregated over seeds.</summary>
static class ExperimentRun
{
    public static async Task<int> RunAsync(IReadOnlyList<RunSpec> specs, string outDirectory, string? jsonPath, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string experiment = specs[0].Experiment;
        AnsiConsole.MarkupLine($"[bold]rlhf run[/] experiment {Markup.Escape(experiment)}: {specs.Count} runs");
        await using var platform = await EmbeddedPlatform.StartAsync(outDirectory, ct);
        var runs = new List<(string Label, IRunGrain Grain)>();
        foreach (var spec in specs)
        {
            var run = await platform.Submission.SubmitAsync(spec, ct);
            runs.Add((spec.Name, platform.Grains.GetGrain<IRunGrain>(run.RunId)));
        }
        var finals = await RunProgressDisplay.FollowAsync(runs, ct);

        var comparison = await ExperimentComparison.BuildAsync(platform.RunStore, experiment, ct);
        var table = new Table().AddColumns("reward model", "objective", "completed", "win rate", "length after", "gold after", "kl");
        foreach (var aggregate in comparison.Aggregates)
            table.AddRow(Markup.Escape(aggregate.RewardModel), Markup.Escape(aggregate.Objective), $"{aggregate.Completed}/{aggregate.Runs}",
                Figure(aggregate, "winRate"), Figure(aggregate, "lengthAfter"), Figure(aggregate, "goldAfter"), Figure(aggregate, "kl"));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"{specs.Count} runs in {clock.Elapsed.TotalSeconds:0} s; run store and checkpoints under {Markup.Escape(outDirectory)}");
        if (jsonPath != null)
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(comparison, RunSpecParser.JsonOptions), ct);
            AnsiConsole.MarkupLine($"comparison JSON: {Markup.Escape(Path.GetFullPath(jsonPath))}");
        }
        var failed = finals.Select((f, i) => (f, specs[i].Name)).Where(x => x.f.Status != RunStatus.Completed).ToList();
        foreach (var (final, name) in failed)
            await Console.Error.WriteLineAsync($"error: run {name}: {final.Error ?? final.Status.ToWire()}");
        return failed.Count == 0 ? 0 : 1;
    }

    static string Figure(SeedAggregate aggregate, string name) => aggregate.Figures.TryGetValue(name, out var s)
        ? string.Create(CultureInfo.InvariantCulture, $"{s.Mean:0.###} ± {s.Std:0.###}") : "-";
}
