using System.CommandLine;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf cancel RUN`: stops a run; exit 1 with a clear line if it had already ended.</summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var runArgument = new Argument<string>("run") { Description = "Run id" };
        var apiOption = ApiClient.UrlOption();
        var command = new Command("cancel", "Cancel a run") { runArgument, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            using var api = new ApiClient(result.GetValue(apiOption)!);
            var run = await api.CancelRunAsync(result.GetValue(runArgument)!, ct);
            Console.WriteLine($"{run.GetProperty("id").GetString()} {run.GetProperty("status").GetString()}");
            return 0;
        }));
        return command;
    }
}
