using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using RlhfPlatform.Cli.Plan;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf plan SPEC.json`: the device memory every role of a run needs, and whether it fits.</summary>
public static class PlanCommand
{
    static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static Command Create()
    {
        var specArgument = new Argument<string>("spec") { Description = "Run spec JSON file (schemas/run-spec.schema.json): shapes, dtypes, LoRA, checkpointing and batch sizes" };
        var jsonOption = new Option<bool>("--json") { Description = "Print the plan as JSON (every byte figure ends in _bytes)" };
        var deviceOption = new Option<string>("--device-memory") { Description = "Memory of one device: 80GB, 141GB, 24GiB ...", DefaultValueFactory = _ => "80GB" };
        var modelOption = new Option<string?>("--model") { Description = $"Plan a public shape instead of the spec's models: {string.Join(", ", NamedShapes.All.Keys)}" };
        var promptOption = new Option<int?>("--prompt-tokens") { Description = "Prompt budget per row instead of prompts.maxPromptTokens (or what the context leaves)" };
        var command = new Command("plan", "Device memory per role (weights, gradients, AdamW, activations, KV cache) for a run spec")
        {
            specArgument, jsonOption, deviceOption, modelOption, promptOption,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, () => Task.FromResult(Run(
            result.GetValue(specArgument)!, result.GetValue(jsonOption), result.GetValue(deviceOption)!, result.GetValue(modelOption),
            result.GetValue(promptOption)))));
        return command;
    }

    /// <summary>Bad input (the spec, a size, a shape name) is one error line and exit code 2.</summary>
    static int Run(string specPath, bool json, string deviceMemory, string? model, int? promptTokens)
    {
        MemoryPlan plan;
        try
        {
            long device = ByteSize.Parse(deviceMemory);
            string full = Path.GetFullPath(specPath);
            var spec = RunSpecParser.Parse(File.ReadAllText(full), Path.GetDirectoryName(full));
            if (promptTokens is { } tokens)
            {
                if (tokens < 1) throw new ArgumentException($"--prompt-tokens must be at least 1 (got {tokens})");
                spec = spec with { Prompts = spec.Prompts with { MaxPromptTokens = tokens } };
            }
            plan = RunMemoryPlanner.Plan(spec, Path.GetFileName(full), model, device);
        }
        catch (Exception e) when (e is RunSpecException or ArgumentException or FileNotFoundException or DirectoryNotFoundException
            or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            CliErrors.Write("plan", e);
            return 2;
        }
        if (json) Console.WriteLine(JsonSerializer.Serialize(Json(plan), JsonOptions));
        else PlanTables.Print(plan);
        return 0;
    }

    /// <summary>The plan's own fields, snake_case; each role's with whether it fits the device.</summary>
    static JsonObject Json(MemoryPlan plan) => new()
    {
        ["spec"] = plan.Source,
        ["model"] = plan.NamedModel,
        ["device_memory_bytes"] = plan.DeviceMemoryBytes,
        ["total_bytes"] = plan.TotalBytes,
        ["all_fit_together"] = plan.AllFitTogether,
        ["roles"] = new JsonArray(plan.Roles.Select(r =>
        {
            var role = JsonSerializer.SerializeToNode(r, JsonOptions)!.AsObject();
            role["fits"] = plan.Fits(r);
            return (JsonNode)role;
        }).ToArray()),
    };
}
