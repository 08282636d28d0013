using System.Text.Json.Nodes;

namespace RlhfPlatform.Modeling.Tests.Tokenization;

/// <summary>A byte-level BPE tokenizer.json in the HF layout (GPT-2's byte→character map, a handful of merges, ChatML specials), written by the test.</summary>
static class TinyBpeFolder
{
    public const int EndOfText = 300, ImStart = 301, ImEnd = 302;

    public static readonly string[][] Merges =
    [
        // Lower rank merges first: "he" must come after "hell" or "hello" would become he + ll + o.
        ["Ġ", "t"], ["l", "l"], ["e", "ll"], ["h", "ell"], ["hell", "o"], ["h", "e"], ["Ġt", "he"],
    ];

    public const string ChatMlTemplate =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}" +
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>GPT-2's reversible map from bytes to printable characters (printable Latin-1 stays, the rest moves to U+0100 and up).</summary>
    public static char[] ByteToChar()
    {
        var map = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + shifted++);
        }
        return map;
    }

    public static Dictionary<string, int> Vocab()
    {
        var vocab = ByteToChar().Select((c, i) => (c.ToString(), i)).ToDictionary(p => p.Item1, p => p.i);
        foreach (var merge in Merges) vocab.TryAdd(merge[0] + merge[1], vocab.Count);
        return vocab;
    }

    public static void Write(string folder, bool mergesAsPairs = true)
    {
        var vocab = new JsonObject();
        foreach (var (token, id) in Vocab()) vocab[token] = id;
        var merges = new JsonArray(Merges.Select(m => mergesAsPairs ? (JsonNode)new JsonArray(m[0], m[1]) : JsonValue.Create($"{m[0]} {m[1]}")).ToArray());
        JsonObject Added(int id, string content) => new() { ["id"] = id, ["content"] = content, ["special"] = true, ["normalized"] = false };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(Added(EndOfText, "<|endoftext|>"), Added(ImStart, "<|im_start|>"), Added(ImEnd, "<|im_end|>")),
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+" },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges },
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tokenizer.ToJsonString());
        var config = new JsonObject
        {
            ["bos_token"] = null,
            ["eos_token"] = "<|im_end|>",
            ["pad_token"] = "<|endoftext|>",
            ["chat_template"] = ChatMlTemplate,
        };
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "config.json"), """{ "bos_token_id": 300, "eos_token_id": 302 }""");
    }
}
