using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RlhfPlatform.AdminApi;
using RlhfPlatform.Cli.Demo;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using RlhfPlatform.Silo;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf demo`: the whole RLHF loop on the synthetic task in an in-process silo, no servers.</summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "Directory for the run store, checkpoints and data", DefaultValueFactory = _ => "rlhf-out" };
        var quickOption = new Option<bool>("--quick") { Description = "Smaller run that finishes in under 2 minutes on 2 cores" };
        var jsonOption = new Option<string?>("--json") { Description = "Also write the results table as JSON to this file" };
        var seedOption = new Option<int>("--seed") { Description = "Seed of data, initialisation and sampling", DefaultValueFactory = _ => 1 };
        var command = new Command("demo", "Run a tiny RLHF loop end to end on the CPU: SFT, reward model, RLOO, evaluation")
        {
            outOption, quickOption, jsonOption, seedOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(() => RunAsync(
            result.GetValue(outOption)!, result.GetValue(quickOption), result.GetValue(jsonOption), result.GetValue(seedOption), ct)));
        return command;
    }

    static async Task<int> RunAsync(string outDirectory, bool quick, string? jsonPath, int seed, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        outDirectory = Path.GetFullPath(outDirectory);
        Directory.CreateDirectory(outDirectory);
        var (sftPath, pairsPath, flipped) = DemoData.Write(Path.Combine(outDirectory, "data"), 12, quick, seed);
        var spec = RunSpecParser.Parse(RunSpecParser.ToJson(DemoSpecs.Create(quick, seed, sftPath, pairsPath)));
        AnsiConsole.MarkupLine($"[bold]rlhf demo[/] ({(quick ? "quick" : "full")}, seed {seed}): synthetic length task, " +
                               $"{flipped} of the preference labels flipped (25% noise)");

        var settings = RlhfSettings.Embedded(outDirectory) with
        {
            Cluster = new ClusterSettings { SiloPort = FreePort.Pick(), GatewayPort = FreePort.Pick() },
        };
        await using var stores = await Stores.OpenAsync(settings.Validate(), ct);
        var runStore = stores.RunStore;
        using var host = PlatformHost.EmbeddedSilo(settings, stores.RunStore, stores.CheckpointStore, LogLevel.Warning);
        await host.StartAsync(ct);
        try
        {
            var run = await host.Services.GetRequiredService<RunSubmission>().SubmitAsync(spec, ct);
            var grain = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IRunGrain>(run.RunId);
            var final = await RunProgressDisplay.FollowAsync(grain, ct);
            var results = (await runStore.GetResultsAsync(run.RunId, ct)).ToDictionary(r => r.Key, r => r.Value);
            var record = await runStore.GetRunAsync(run.RunId, ct);
            if (final.Status != RunStatus.Completed)
            {
                await Console.Error.WriteLineAsync($"error: run {run.RunId} {final.Status.ToWire()}: {record?.Error ?? final.Error}");
                return 1;
            }
            var row = new DemoResultRow(spec.RewardModel.Name, results["gold_reward_before"], results["gold_reward_after"],
                results["length_before"], results["length_after"], results["win_rate"]);
            var paths = new DemoPaths(outDirectory, settings.RunStore.Path!, settings.CheckpointStore.Path!, sftPath, pairsPath);
            DemoOutput.Print(run.RunId, row, paths, clock.Elapsed);
            if (jsonPath != null)
            {
                var json = new DemoJson(run.RunId, final.Status.ToWire(), seed, quick, clock.Elapsed.TotalSeconds, [row], paths);
                await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(json, RunSpecParser.JsonOptions), ct);
                AnsiConsole.MarkupLine($"results JSON: {Markup.Escape(Path.GetFullPath(jsonPath))}");
            }
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
