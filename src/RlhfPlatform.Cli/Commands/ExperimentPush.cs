using System.Text.Json.Nodes;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf submit EXPERIMENT.json --push`: the experiment's JSON with every local data or model path that
/// its runs read replaced by the blob: URI it was pushed as. A path lives either in "base" or in one
/// "rewardModels" entry (an entry's top-level field replaces the base's rewardModel field of that name),
/// and is replaced where it is written, so the server expands the same experiment.
/// </summary>
static class ExperimentPush
{
    /// <param name="runs">the experiment expanded locally (paths resolved against the spec's folder)</param>
    /// <param name="push">pushes the given local paths and returns each one's blob: URI</param>
    public static async Task<string> PushLocalPathsAsync(string json, IReadOnlyList<RunSpec> runs,
        Func<IReadOnlyList<string>, Task<IReadOnlyDictionary<string, string>>> push)
    {
        var sources = runs.SelectMany(run => RunSpecParser.PathFields(run).Where(f => !DataUri.IsBlob(f.Path)).Select(f => (run, f.Field, f.Path))).ToList();
        if (sources.Count == 0) return json;
        var pushed = await push(sources.Select(s => s.Path).Distinct(StringComparer.Ordinal).ToList());

        var root = JsonNode.Parse(json)!.AsObject();
        var entries = root["rewardModels"]!.AsArray().Select(n => n!.AsObject()).ToDictionary(e => e["name"]!.GetValue<string>(), StringComparer.Ordinal);
        foreach (var (run, field, path) in sources)
        {
            string[] segments = Segments(field);
            var entry = entries[run.RewardModel.Name];
            // rewardModel.X comes from the run's entry when the entry names X, else from the base.
            (JsonObject container, string[] rest) = segments[0] == "rewardModel" && entry.ContainsKey(segments[1])
                ? (entry, segments[1..])
                : (root["base"]!.AsObject(), segments);
            Set(container, rest, pushed[path], field);
        }
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A path field's JSON path: "rewardModel.evalData.KEY" keeps a KEY that holds dots whole.</summary>
    static string[] Segments(string field) =>
        field.StartsWith("rewardModel.evalData.", StringComparison.Ordinal)
            ? ["rewardModel", "evalData", field["rewardModel.evalData.".Length..]]
            : field.Split('.');

    static void Set(JsonObject container, string[] segments, string value, string field)
    {
        var node = container;
        foreach (string segment in segments[..^1])
            node = node[segment] as JsonObject ?? throw new InvalidOperationException($"{field}: not where the experiment spec should hold it");
        if (node[segments[^1]] is not JsonValue) throw new InvalidOperationException($"{field}: not where the experiment spec should hold it");
        node[segments[^1]] = value;
    }
}
