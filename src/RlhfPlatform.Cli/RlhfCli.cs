using System.CommandLine;
using RlhfPlatform.Cli.Commands;

namespace RlhfPlatform.Cli;

/// <summary>The `rlhf` command line: one subcommand per job.</summary>
public static class RlhfCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("RlhfPlatform: reward models, RLHF policy optimization and evaluation on Orleans.")
        {
            DemoCommand.Create(),
            ServeCommand.Create(),
            SubmitCommand.Create(),
            StatusCommand.Create(),
            RunsCommand.Create(),
            WatchCommand.Create(),
            CancelCommand.Create(),
            CompareCommand.Create(),
            GenerateCommand.Create(),
            TokenizeCommand.Create(),
            BenchCommand.Create(),
            Commands.Rm.RmCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Runs a command body; known failures become one "error: ..." line on stderr and exit code 1.</summary>
    public static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (CliErrors.Describe(e) is { } message)
        {
            await Console.Error.WriteLineAsync($"error: {message}");
            return 1;
        }
    }
}
