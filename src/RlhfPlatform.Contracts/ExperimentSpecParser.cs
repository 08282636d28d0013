using System.Text.Json;
using System.Text.Json.Nodes;
using NJsonSchema;

namespace RlhfPlatform.Contracts;

/// <summary>
/// An experiment spec (schemas/experiment-spec.schema.json) expanded into its runs: one per (reward
/// model, seed), named "{rewardModel}-s{seed}", each validated as a run spec.
/// </summary>
public static class ExperimentSpecParser
{
    static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromJsonAsync(SchemaJson).GetAwaiter().GetResult());

    public static string SchemaJson
    {
        get
        {
            using var stream = typeof(ExperimentSpecParser).Assembly.GetManifestResourceStream("experiment-spec.schema.json")
                ?? throw new InvalidOperationException("experiment-spec.schema.json is not embedded in RlhfPlatform.Contracts");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
    }

    /// <summary>True when <paramref name="json"/> is an object with "rewardModels" and "base": an experiment, not a run spec.</summary>
    public static bool IsExperiment(string json)
    {
        try
        {
            return JsonNode.Parse(json) is JsonObject o && o.ContainsKey("rewardModels") && o.ContainsKey("base");
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <exception cref="RunSpecException">the experiment or one of its runs is invalid; the message names which and why</exception>
    public static IReadOnlyList<RunSpec> Expand(string json, string? baseDirectory = null, DataRoots? roots = null)
    {
        RunSpecParser.RequireSchema(Schema.Value, json, "experiment spec");

        var root = JsonNode.Parse(json)!.AsObject();
        string experiment = root["experiment"]!.GetValue<string>();
        var rewardModels = root["rewardModels"]!.AsArray().Select(n => n!.AsObject()).ToList();
        var names = rewardModels.Select(rm => rm["name"]!.GetValue<string>()).ToList();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new RunSpecException("experiment spec is invalid: rewardModels: names must be unique");
        var seeds = root["seeds"]!.AsArray().Select(n => n!.GetValue<int>()).ToList();

        var runs = new List<RunSpec>();
        foreach (var rewardModel in rewardModels)
            foreach (int seed in seeds)
            {
                var spec = root["base"]!.DeepClone().AsObject();
                var merged = spec["rewardModel"] as JsonObject ?? [];
                spec["rewardModel"] = merged;
                foreach (var (field, value) in rewardModel) merged[field] = value?.DeepClone();
                string name = $"{rewardModel["name"]!.GetValue<string>()}-s{seed}";
                spec["experiment"] = experiment;
                spec["seed"] = seed;
                spec["name"] = name;
                try
                {
                    runs.Add(RunSpecParser.Parse(spec.ToJsonString(), baseDirectory, roots));
                }
                catch (RunSpecException e)
                {
                    throw new RunSpecException($"experiment run {name}: {e.Message}");
                }
            }
        return runs;
    }
}
