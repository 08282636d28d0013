using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf runs [--experiment E] [--json]`: the runs the admin API knows, newest first.</summary>
public static class RunsCommand
{
    public static Command Create()
    {
        var experimentOption = new Option<string?>("--experiment") { Description = "Only this experiment's runs" };
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON" };
        var apiOption = ApiClient.UrlOption();
        var command = new Command("runs", "List runs") { experimentOption, jsonOption, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            using var api = new ApiClient(result.GetValue(apiOption)!);
            var runs = await api.ListRunsAsync(result.GetValue(experimentOption), ct);
            if (result.GetValue(jsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(runs, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var table = new Table().AddColumns("id", "experiment", "status", "stage", "created");
            foreach (var run in runs.EnumerateArray())
                table.AddRow(Markup.Escape(run.GetProperty("id").GetString()!), Markup.Escape(run.GetProperty("experiment").GetString()!),
                    run.GetProperty("status").GetString()!, run.GetProperty("stage").GetString()!,
                    run.GetProperty("createdAt").GetDateTimeOffset().ToString("u", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }
}
