using System.CommandLine;
using RlhfPlatform.Cli.Commands;
using RlhfPlatform.Cli.Hosting;

namespace RlhfPlatform.Cli;

/// <summary>The `rlhf` command line: one subcommand per job.</summary>
public static class RlhfCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        ProcessFailureLog.Install();
        var root = new RootCommand("RlhfPlatform: reward models, RLHF policy optimization and evaluation on Orleans.")
        {
            DemoCommand.Create(),
            RunCommand.Create(),
            DataCommand.Create(),
            ServeCommand.Create(),
            SubmitCommand.Create(),
            StatusCommand.Create(),
            RunsCommand.Create(),
            WatchCommand.Create(),
            CancelCommand.Create(),
            CompareCommand.Create(),
            KeysCommand.Create(),
            MigrateCommand.Create(),
            GenerateCommand.Create(),
            TokenizeCommand.Create(),
            BenchCommand.Create(),
            PlanCommand.Create(),
            Commands.Rm.RmCommand.Create(),
            MergeCommand.Create(),
        };
        try
        {
            // SIGTERM / Ctrl+C cancel the command's token; the process then has this long to end by itself
            // (System.CommandLine's default of 2 s would cut a silo off before its runs reach a step boundary).
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(60) });
        }
        catch (Exception e)
        {
            // Commands guard themselves; this catches what fails around them (parsing, help output).
            CliErrors.Write("rlhf", e);
            return 1;
        }
    }

    /// <summary>
    /// Runs a command body: any failure becomes one "error: ..." line on stderr (named by the command,
    /// e.g. "rm train", unless the failure names a more precise stage) and its exit code (<see cref="CliErrors.ExitCode"/>).
    /// </summary>
    public static async Task<int> GuardAsync(ParseResult result, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e)
        {
            CliErrors.Write(CommandPath(result), e);
            return CliErrors.ExitCode(e);
        }
    }

    /// <summary>"rm train" for `rlhf rm train ...`: the names from below the root down to the invoked command.</summary>
    public static string CommandPath(ParseResult result)
    {
        var names = new List<string>();
        for (var command = result.CommandResult; command != null && command.Parent != null; command = command.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, command.Command.Name);
        return names.Count > 0 ? string.Join(' ', names) : "rlhf";
    }
}
