using System.Text.Json;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// Reads and writes config.json. Accepts the HF shapes of LlamaForCausalLM, Qwen2ForCausalLM,
/// Qwen3ForCausalLM and MistralForCausalLM, and their ...ForSequenceClassification forms (HF's reward models: the same
/// decoder with a scalar head); unknown extra fields are ignored; other architectures are rejected by name,
/// as well as settings the decoder does not implement (rope_scaling, an activation other than SiLU),
/// rather than loading a model that would compute something else.
/// </summary>
public static class ModelConfigFile
{
    public const string FileName = "config.json";

    /// <summary>Architecture → model_type of every config the decoder implements.</summary>
    public static readonly IReadOnlyDictionary<string, string> SupportedArchitectures = new Dictionary<string, string>
    {
        ["LlamaForCausalLM"] = "llama",
        ["Qwen2ForCausalLM"] = "qwen2",
        ["Qwen3ForCausalLM"] = "qwen3",
        ["MistralForCausalLM"] = "mistral",
        ["LlamaForSequenceClassification"] = "llama",
        ["Qwen2ForSequenceClassification"] = "qwen2",
        ["Qwen3ForSequenceClassification"] = "qwen3",
        ["MistralForSequenceClassification"] = "mistral",
    };

    static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    public static void Write(ModelConfig config, string folder) =>
        File.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(config, WriteOptions));

    public static ModelConfig Read(string folder)
    {
        string path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {FileName} in model folder {folder}", path);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {JsonErrorText.Describe(e)}");
        }
        CheckArchitecture(path, json);
        CheckImplemented(path, json);
        FillNullTokenIds(json);
        try
        {
            var config = json.Deserialize<ModelConfig>() ?? throw new InvalidDataException($"{path} is empty");
            return config.Validate();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid model config ({JsonErrorText.Position(e)})");
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
    }

    static string Supported => string.Join(", ", SupportedArchitectures.Select(kv => $"{kv.Key} (model_type {kv.Value})"));

    static void CheckArchitecture(string path, JsonObject json)
    {
        string? modelType = json["model_type"] is JsonValue type && type.TryGetValue(out string? t) ? t : null;
        string[] architectures = json["architectures"] is JsonArray list
            ? list.Select(a => a is JsonValue v && v.TryGetValue(out string? s) ? s : a?.ToJsonString() ?? "null").ToArray()
            : [];
        var known = architectures.Where(SupportedArchitectures.ContainsKey).ToArray();
        bool typeKnown = modelType is not null && SupportedArchitectures.Values.Contains(modelType);
        if (architectures.Length > 0 && known.Length == 0 || architectures.Length == 0 && !typeKnown)
            throw new InvalidDataException(
                $"{path}: architecture {(architectures.Length > 0 ? string.Join(", ", architectures) : "(none given)")} " +
                $"with model_type {modelType ?? "(none given)"} is not supported; supported: {Supported}");
        if (known.Length > 0 && modelType is not null && SupportedArchitectures[known[0]] != modelType)
            throw new InvalidDataException(
                $"{path}: architecture {known[0]} does not match model_type {modelType}; supported: {Supported}");
        json["architectures"] = new JsonArray(known.Length > 0 ? known[0] : SupportedArchitectures.First(kv => kv.Value == modelType).Key);
        json["model_type"] = modelType ?? SupportedArchitectures[known[0]];
    }

    static void CheckImplemented(string path, JsonObject json)
    {
        if (json["rope_scaling"] is JsonObject scaling)
        {
            string kind = scaling["rope_type"]?.ToString() ?? scaling["type"]?.ToString() ?? "unknown";
            if (kind != "default")
                throw new InvalidDataException($"{path}: rope_scaling of type '{kind}' is not implemented (plain rotary embeddings only)");
        }
        if (json["hidden_act"] is JsonValue act && act.ToString() != "silu")
            throw new InvalidDataException($"{path}: hidden_act '{act}' is not implemented (SwiGLU with silu only)");
    }

    /// <summary>HF allows null bos/pad ids (Llama has no pad token); padding is masked out, so EOS serves.</summary>
    static void FillNullTokenIds(JsonObject json)
    {
        var eos = json["eos_token_id"];
        int? firstEos = eos switch
        {
            JsonValue v when v.TryGetValue(out int id) => id,
            JsonArray { Count: > 0 } a when a[0] is JsonValue v0 && v0.TryGetValue(out int id0) => id0,
            _ => null,
        };
        if (firstEos is null) return;
        foreach (string key in new[] { "bos_token_id", "pad_token_id" })
            if (!json.ContainsKey(key) || json[key] is null) json[key] = firstEos.Value;
    }
}
