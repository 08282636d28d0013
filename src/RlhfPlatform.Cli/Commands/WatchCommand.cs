using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf watch RUN`: a progress bar over the run's stages until it ends; exit code 0 only if it completed.</summary>
public static class WatchCommand
{
    static readonly string[] Stages = ["sft", "reward-model", "policy", "evaluation"];

    public static Command Create()
    {
        var runArgument = new Argument<string>("run") { Description = "Run id" };
        var apiOption = ApiClient.UrlOption();
        var command = new Command("watch", "Follow a run until it ends") { runArgument, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            using var api = new ApiClient(result.GetValue(apiOption)!);
            string runId = result.GetValue(runArgument)!;
            JsonElement run = await api.GetRunAsync(runId, ct);
            await AnsiConsole.Progress().StartAsync(async ctx =>
            {
                var bar = ctx.AddTask(runId, maxValue: Stages.Length);
                while (!Ended(run))
                {
                    bar.Description = run.TryGetProperty("waiting", out var waiting) && waiting.GetString() is { } why
                        ? $"{runId}: {Markup.Escape(why)}"
                        : $"{runId}: {run.GetProperty("stage").GetString()} {run.GetProperty("step").GetInt32()}/{run.GetProperty("totalSteps").GetInt32()}";
                    bar.Value = Position(run);
                    await Task.Delay(500, ct);
                    run = await api.GetRunAsync(runId, ct);
                }
                bar.Value = Position(run);
            });
            string status = run.GetProperty("status").GetString()!;
            if (status == "completed")
            {
                Console.WriteLine($"{runId} completed");
                return 0;
            }
            await Console.Error.WriteLineAsync($"error: run {runId} {status}: {run.GetProperty("error").GetString()}");
            return 1;
        }));
        return command;
    }

    static bool Ended(JsonElement run) => run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled";

    static double Position(JsonElement run)
    {
        if (run.GetProperty("status").GetString() == "completed") return Stages.Length;
        int index = Array.IndexOf(Stages, run.GetProperty("stage").GetString());
        int total = run.GetProperty("totalSteps").GetInt32();
        return Math.Max(0, index) + (total > 0 ? run.GetProperty("step").GetInt32() / (double)total : 0);
    }
}
