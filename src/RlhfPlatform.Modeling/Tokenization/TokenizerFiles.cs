using System.Text.Json;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>Writes and reads the tokenizer description of a checkpoint folder (tokenizer_config.json).</summary>
public static class TokenizerFiles
{
    public const string ConfigFile = "tokenizer_config.json";

    public static void Save(ITokenizer tokenizer, string folder)
    {
        var config = new JsonObject
        {
            ["rlhf_tokenizer"] = tokenizer.Kind,
            ["bos_token_id"] = tokenizer.BosId,
            ["eos_token_id"] = tokenizer.EosId,
            ["pad_token_id"] = tokenizer.PadId,
        };
        File.WriteAllText(Path.Combine(folder, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static ITokenizer Load(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {ConfigFile} in {folder}", path);
        var config = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
            ?? throw new InvalidDataException($"{path}: expected a JSON object");
        string kind = config["rlhf_tokenizer"]?.GetValue<string>()
            ?? throw new InvalidDataException($"{path}: no 'rlhf_tokenizer' field; only the byte tokenizer is supported so far");
        return kind switch
        {
            ByteTokenizer.KindName => new ByteTokenizer(),
            _ => throw new InvalidDataException($"{path}: unknown tokenizer kind '{kind}'"),
        };
    }
}
