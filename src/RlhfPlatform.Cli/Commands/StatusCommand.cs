using System.CommandLine;
using System.Text.Json;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf status RUN`: the run's status, stage, progress and results as the admin API reports them.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var runArgument = new Argument<string>("run") { Description = "Run id" };
        var apiOption = ApiClient.UrlOption();
        var command = new Command("status", "Show a run's status") { runArgument, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            using var api = new ApiClient(result.GetValue(apiOption)!);
            var run = await api.GetRunAsync(result.GetValue(runArgument)!, ct);
            Console.WriteLine(JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        }));
        return command;
    }
}
