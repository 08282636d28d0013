using System.CommandLine;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf compare EXPERIMENT [--format json|csv|svg]`: the experiment's comparison from the admin API.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var experimentArgument = new Argument<string>("experiment") { Description = "Experiment name" };
        var formatOption = new Option<string>("--format") { Description = "json, csv or svg", DefaultValueFactory = _ => "json" };
        formatOption.AcceptOnlyFromAmong("json", "csv", "svg");
        var apiOption = ApiClient.UrlOption();
        var command = new Command("compare", "Compare the runs of an experiment (RLOO outcome per reward model)") { experimentArgument, formatOption, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            using var api = new ApiClient(result.GetValue(apiOption)!);
            Console.WriteLine(await api.GetComparisonAsync(result.GetValue(experimentArgument)!, result.GetValue(formatOption)!, ct));
            return 0;
        }));
        return command;
    }
}
