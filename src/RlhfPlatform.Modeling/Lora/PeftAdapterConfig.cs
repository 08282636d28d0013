using System.Text.Json;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Modeling.Lora;

/// <summary>
/// PEFT's adapter_config.json for LoRA. Reading refuses, by key, every setting that would make the adapter
/// compute something other than y = W x + b + scale · B A x on our seven projections (DoRA, fan-in-fan-out
/// weights, trained biases, per-layer ranks or alphas, regex targets, initialisations that rewrite the base
/// weights, ...), rather than loading an adapter that would silently differ from what PEFT runs.
/// </summary>
public sealed record PeftAdapterConfig(LoraOptions Options, string? TaskType, string? BaseModelNameOrPath, IReadOnlyList<string> ModulesToSave)
{
    public const string FileName = "adapter_config.json";

    /// <summary>init_lora_weights values that only choose A and B (the base stays as it was).</summary>
    static readonly string[] InitialisationsKeepingTheBase = ["true", "false", "gaussian", "eva"];

    public void Write(string folder)
    {
        var modulesToSave = ModulesToSave.Count > 0 ? new JsonArray(ModulesToSave.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()) : null;
        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["bias"] = "none",
            ["exclude_modules"] = null,
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layer_replication"] = null,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["loftq_config"] = new JsonObject(),
            ["lora_alpha"] = Number(Options.Alpha),
            ["lora_bias"] = false,
            ["lora_dropout"] = Options.Dropout,
            ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core",
            ["modules_to_save"] = modulesToSave,
            ["peft_type"] = "LORA",
            ["r"] = Options.Rank,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = new JsonArray(Options.TargetModules.Select(m => (JsonNode?)JsonValue.Create(m)).ToArray()),
            ["target_parameters"] = null,
            ["task_type"] = TaskType,
            ["trainable_token_indices"] = null,
            ["use_dora"] = false,
            ["use_rslora"] = Options.UseRsLora,
        };
        File.WriteAllText(Path.Combine(folder, FileName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>PEFT types lora_alpha as an int; a whole alpha is written as one.</summary>
    static JsonNode Number(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);

    public static PeftAdapterConfig Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {FileName} in adapter folder {folder}", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {JsonErrorText.Describe(e)}");
        }

        var problems = new List<string>();
        string? peftType = Text(json, "peft_type");
        if (peftType != "LORA") problems.Add($"peft_type '{peftType ?? "(none given)"}' is not supported (LORA only)");
        RefuseTrue(json, "use_dora", "DoRA", problems);
        RefuseTrue(json, "fan_in_fan_out", "fan-in-fan-out (Conv1D) weights", problems);
        RefuseTrue(json, "lora_bias", "a bias on lora_B", problems);
        RefuseTrue(json, "use_qalora", "QA-LoRA", problems);
        RefuseTrue(json, "use_bdlora", "BD-LoRA", problems);
        string bias = Text(json, "bias") ?? "none";
        if (bias != "none") problems.Add($"bias '{bias}' is not supported (trained biases change the base: 'none' only)");
        foreach (string key in new[] { "rank_pattern", "alpha_pattern" })
            if (json[key] is JsonObject { Count: > 0 }) problems.Add($"{key} (per-module ranks or alphas) is not supported; it must be empty");
        foreach (string key in new[] { "layers_to_transform", "exclude_modules", "layer_replication", "target_parameters",
                     "trainable_token_indices", "alora_invocation_tokens", "megatron_config", "arrow_config" })
            if (IsSet(json[key])) problems.Add($"{key} is not supported; it must be null");
        string init = json["init_lora_weights"] is JsonValue initValue ? initValue.ToJsonString().Trim('"').ToLowerInvariant() : "true";
        if (!InitialisationsKeepingTheBase.Contains(init))
            problems.Add($"init_lora_weights '{init}' rewrites the base weights (PiSSA, OLoRA, LoftQ, CorDA): not supported");

        var targets = TargetModules(json, problems);
        var options = new LoraOptions
        {
            Rank = Integer(json, "r", 8, problems),
            Alpha = Real(json, "lora_alpha", 8, problems),
            Dropout = Real(json, "lora_dropout", 0, problems),
            TargetModules = targets,
            UseRsLora = json["use_rslora"] is JsonValue rs && rs.TryGetValue(out bool useRs) && useRs,
        };
        if (targets.Count > 0)
        {
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                problems.Add(e.Message);
            }
        }
        var modulesToSave = json["modules_to_save"] is JsonArray saved
            ? saved.Select(m => m is JsonValue v && v.TryGetValue(out string? s) ? s : null).OfType<string>().ToList()
            : [];
        if (problems.Count > 0) throw new InvalidDataException($"{path}: cannot load this adapter: {string.Join("; ", problems)}");
        return new PeftAdapterConfig(options, Text(json, "task_type"), Text(json, "base_model_name_or_path"), modulesToSave);
    }

    static List<string> TargetModules(JsonObject json, List<string> problems)
    {
        switch (json["target_modules"])
        {
            case JsonArray list:
                var names = list.Select(m => m is JsonValue v && v.TryGetValue(out string? s) ? s : m?.ToJsonString() ?? "null").ToList();
                var unknown = names.Where(n => !LoraOptions.AllTargetModules.Contains(n)).ToList();
                if (unknown.Count > 0)
                    problems.Add($"target_modules {string.Join(", ", unknown.Select(n => $"'{n}'"))} are not projections this model has (allowed: {string.Join(", ", LoraOptions.AllTargetModules)})");
                return names.Where(n => LoraOptions.AllTargetModules.Contains(n)).Distinct().ToList();
            case JsonValue value when value.TryGetValue(out string? text) && text == "all-linear":
                return [.. LoraOptions.AllTargetModules];
            case JsonValue value when value.TryGetValue(out string? text):
                problems.Add($"target_modules as a regular expression ('{text}') is not supported: list the module names");
                return [];
            default:
                problems.Add("target_modules must list the adapted modules");
                return [];
        }
    }

    static string? Text(JsonObject json, string key) => json[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    static bool IsSet(JsonNode? node) => node switch
    {
        null => false,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        JsonValue v when v.TryGetValue(out bool b) => b,
        _ => true,
    };

    static void RefuseTrue(JsonObject json, string key, string what, List<string> problems)
    {
        if (json[key] is JsonValue v && v.TryGetValue(out bool on) && on) problems.Add($"{key} true ({what}) is not supported");
    }

    static int Integer(JsonObject json, string key, int fallback, List<string> problems)
    {
        if (json[key] is null) return fallback;
        if (json[key] is JsonValue v && v.TryGetValue(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        problems.Add($"{key} must be a whole number (got {json[key]!.ToJsonString()})");
        return fallback;
    }

    static double Real(JsonObject json, string key, double fallback, List<string> problems)
    {
        if (json[key] is null) return fallback;
        if (json[key] is JsonValue v && v.TryGetValue(out double d)) return d;
        problems.Add($"{key} must be a number (got {json[key]!.ToJsonString()})");
        return fallback;
    }
}
