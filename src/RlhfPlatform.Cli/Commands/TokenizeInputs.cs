using System.Text.Json;
using System.Text.Json.Nodes;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Cli.Commands;

/// <summary>One thing to tokenize: plain text, or a conversation for the chat template.</summary>
public sealed record TokenizeInput(int Line, string? Text, IReadOnlyList<ChatMessage>? Messages, bool AddGenerationPrompt);

/// <summary>
/// Reads `rlhf tokenize --file` input: JSONL, one {"text": string} or {"messages": [{"role", "content"}],
/// "add_generation_prompt": bool} per line (blank lines skipped). Errors name the line and the
/// problem, never the line's contents.
/// </summary>
public static class TokenizeInputs
{
    public static List<TokenizeInput> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"input file not found: {path}", path);
        var inputs = new List<TokenizeInput>();
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            inputs.Add(Parse(path, number, line));
        }
        if (inputs.Count == 0) throw new InvalidDataException($"{path}: no input lines");
        return inputs;
    }

    static TokenizeInput Parse(string path, int number, string line)
    {
        string where = $"{path} line {number}";
        JsonObject json;
        try
        {
            json = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{where}: expected a JSON object");
        }
        catch (JsonException)
        {
            throw new InvalidDataException($"{where}: not valid JSON");
        }
        bool generationPrompt = json["add_generation_prompt"] switch
        {
            null => true,
            JsonValue v when v.TryGetValue(out bool flag) => flag,
            _ => throw new InvalidDataException($"{where}: add_generation_prompt must be true or false"),
        };
        return (json["text"], json["messages"]) switch
        {
            (JsonValue text, null) when text.TryGetValue(out string? value) => new TokenizeInput(number, value, null, generationPrompt),
            (null, JsonArray messages) => new TokenizeInput(number, null, messages.Select((m, i) => Message(where, i, m)).ToList(), generationPrompt),
            (not null, not null) => throw new InvalidDataException($"{where}: give either \"text\" or \"messages\", not both"),
            _ => throw new InvalidDataException($"{where}: expected {{\"text\": string}} or {{\"messages\": [{{\"role\", \"content\"}}], \"add_generation_prompt\": bool}}"),
        };
    }

    static ChatMessage Message(string where, int index, JsonNode? node)
    {
        string? Field(string name) => node?[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;
        return Field("role") is { } role && Field("content") is { } content
            ? new ChatMessage(role, content)
            : throw new InvalidDataException($"{where}: message {index} needs string \"role\" and \"content\"");
    }
}
