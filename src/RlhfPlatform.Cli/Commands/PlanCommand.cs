using System.CommandLine;
using System.Text.Json;
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

    static object Json(MemoryPlan plan) => new
    {
        spec = plan.Source,
        model = plan.NamedModel,
        device_memory_bytes = plan.DeviceMemoryBytes,
        total_bytes = plan.TotalBytes,
        all_fit_together = plan.AllFitTogether,
        roles = plan.Roles.Select(r => new
        {
            role = r.Role,
            dtype = r.Dtype,
            parameters = r.Parameters,
            trainable_parameters = r.TrainableParameters,
            rows = r.Rows,
            sequence_length = r.SequenceLength,
            gradient_checkpointing = r.GradientCheckpointing,
            weight_bytes = r.WeightBytes,
            gradient_bytes = r.GradientBytes,
            optimizer_bytes = r.OptimizerBytes,
            master_weight_bytes = r.MasterWeightBytes,
            activation_bytes = r.ActivationBytes,
            transient_bytes = r.TransientBytes,
            kv_cache_bytes = r.KvCacheBytes,
            total_bytes = r.TotalBytes,
            fits = plan.Fits(r),
        }),
    };
}
