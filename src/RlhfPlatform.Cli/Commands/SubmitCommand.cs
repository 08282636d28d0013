using System.CommandLine;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf submit SPEC`: validates a run spec locally (relative data paths resolve against the spec's folder) and submits it.</summary>
public static class SubmitCommand
{
    public static Command Create()
    {
        var specArgument = new Argument<string>("spec") { Description = "Run spec JSON file (schemas/run-spec.schema.json)" };
        var apiOption = ApiClient.UrlOption();
        var command = new Command("submit", "Submit a run to the admin API") { specArgument, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            string path = Path.GetFullPath(result.GetValue(specArgument)!);
            if (!File.Exists(path)) throw new FileNotFoundException($"run spec not found: {path}", path);
            var spec = RunSpecParser.Parse(await File.ReadAllTextAsync(path, ct), Path.GetDirectoryName(path));
            using var api = new ApiClient(result.GetValue(apiOption)!);
            var run = await api.PostRunAsync(spec, ct);
            Console.WriteLine(run.GetProperty("id").GetString());
            return 0;
        }));
        return command;
    }
}
