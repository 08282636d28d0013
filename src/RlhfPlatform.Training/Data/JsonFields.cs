using System.Text.Json;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Training.Data;

/// <summary>Typed access to the fields of one JSONL record; every failure names the record ("file:line") and the field.</summary>
public sealed class JsonFields(JsonObject record, string where)
{
    public string Where => where;

    public bool Has(string name) => record[name] is not null;

    public JsonNode Required(string name) => record[name] ?? throw Error(name, "is missing");

    public string String(string name)
    {
        var node = Required(name);
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw Error(name, "must be a string");
    }

    public double Number(string name) => Number(Required(name), name);

    public double? OptionalNumber(string name) => record[name] is { } node ? Number(node, name) : null;

    public JsonArray Array(string name) => Required(name) as JsonArray ?? throw Error(name, "must be a list");

    public JsonObject Object(string name) => Required(name) as JsonObject ?? throw Error(name, "must be an object");

    public bool IsMessageList(string name) => record[name] is JsonArray;

    /// <summary>A list of {"role", "content"} messages.</summary>
    public IReadOnlyList<ChatMessage> Messages(string name)
    {
        var list = Array(name);
        var messages = new List<ChatMessage>(list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message) throw Error($"{name}[{i}]", "must be a {\"role\", \"content\"} object");
            messages.Add(new ChatMessage(MessageText(message, "role", $"{name}[{i}].role"), MessageText(message, "content", $"{name}[{i}].content")));
        }
        if (messages.Count == 0) throw Error(name, "must not be an empty list");
        return messages;
    }

    public DataFormatException Error(string field, string problem) => new($"{where}: field '{field}' {problem}");

    double Number(JsonNode node, string name) => node.GetValueKind() == JsonValueKind.Number
        ? node.GetValue<double>()
        : throw Error(name, "must be a number");

    string MessageText(JsonObject message, string key, string field)
    {
        var node = message[key] ?? throw Error(field, "is missing");
        return node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : throw Error(field, "must be a string");
    }
}
