using RlhfPlatform.Modeling;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Training.Data;

/// <summary>A record of a data file that cannot be used; the message names the file, line and field.</summary>
public sealed class DataFormatException(string message) : Exception(message);

/// <summary>Reads SFT demonstrations; writes demonstrations, preference pairs and ranking sets (reading preference data: <see cref="PreferenceFiles"/>).</summary>
public static class JsonlFiles
{
    /// <summary>
    /// {"prompt", "response"}: strings as they are, or chat messages rendered by <paramref name="template"/>
    /// (default "role: content" lines): a message-list prompt ends with the reply's header, a message-list response is the reply.
    /// </summary>
    public static IReadOnlyList<Demonstration> ReadDemonstrations(string path, IChatTemplate? template = null) =>
        Read(path, (obj, where) =>
        {
            var fields = new JsonFields(obj, where);
            if (!fields.IsMessageList("prompt") && !fields.IsMessageList("response"))
                return new Demonstration(Field(obj, "prompt", where), Field(obj, "response", where));
            template ??= new RoleColonChatTemplate();
            var history = fields.IsMessageList("prompt") ? fields.Messages("prompt") : [new ChatMessage("user", fields.String("prompt"))];
            var reply = fields.IsMessageList("response") ? fields.Messages("response") : [new ChatMessage("assistant", fields.String("response"))];
            return new Demonstration(template.RenderPrompt(history, reply[0].Role), template.RenderResponse(history, reply));
        });

    /// <summary>
    /// Prompt texts of a prompt file ({"prompt": string | chat messages}). With a template, every prompt is
    /// rendered as a conversation ending with the assistant's header (a string is one user message);
    /// without one, strings are used as they are and message lists become "role: content" lines.
    /// </summary>
    public static IReadOnlyList<string> ReadPrompts(string path, IChatTemplate? template) =>
        Read(path, (obj, where) =>
        {
            var fields = new JsonFields(obj, where);
            if (!fields.IsMessageList("prompt") && template == null) return fields.String("prompt");
            var conversation = fields.IsMessageList("prompt") ? fields.Messages("prompt") : [new ChatMessage("user", fields.String("prompt"))];
            return (template ?? new RoleColonChatTemplate()).RenderPrompt(conversation, "assistant");
        });

    /// <summary>Pairs as {"prompt","chosen","rejected"} plus "margin" where a pair has one.</summary>
    public static void WritePairs(string path, IEnumerable<PreferencePair> pairs) =>
        Write(path, pairs.Select(p =>
        {
            var record = new JsonObject { ["prompt"] = p.Prompt, ["chosen"] = p.Chosen, ["rejected"] = p.Rejected };
            if (p.Margin is { } margin) record["margin"] = margin;
            return record;
        }));

    public static void WriteRankings(string path, IEnumerable<RankingSet> rankings) =>
        Write(path, rankings.Select(r => new JsonObject
        {
            ["prompt"] = r.Prompt,
            ["responses"] = new JsonArray(r.Responses.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
            ["scores"] = new JsonArray(r.Scores.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        }));

    public static void WriteDemonstrations(string path, IEnumerable<Demonstration> demos) =>
        Write(path, demos.Select(d => new JsonObject { ["prompt"] = d.Prompt, ["response"] = d.Response }));

    static IReadOnlyList<T> Read<T>(string path, Func<JsonObject, string, T> parse)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {path}", path);
        var records = new List<T>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            JsonObject obj;
            try
            {
                obj = JsonNode.Parse(line) as JsonObject ?? throw new DataFormatException($"{where}: expected a JSON object");
            }
            catch (JsonException e)
            {
                throw new DataFormatException($"{where}: {JsonErrorText.Describe(e)}");
            }
            records.Add(parse(obj, where));
        }
        if (records.Count == 0) throw new DataFormatException($"{path}: no records");
        return records;
    }

    static string Field(JsonObject obj, string name, string where)
    {
        var node = obj[name] ?? throw new DataFormatException($"{where}: field '{name}' is missing");
        if (node.GetValueKind() != JsonValueKind.String) throw new DataFormatException($"{where}: field '{name}' must be a string");
        return node.GetValue<string>();
    }

    static void Write(string path, IEnumerable<JsonObject> records)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var writer = new StreamWriter(path);
        foreach (var record in records) writer.WriteLine(record.ToJsonString());
    }
}
