using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>
/// Reads an HF tokenizer.json holding a byte-level BPE (GPT-2, Llama 3, Qwen2): vocab, merges (as
/// "a b" strings or ["a", "b"] pairs), added tokens, and the pre-tokenizer's split regex. Other
/// tokenizer.json models (WordPiece, Unigram, SentencePiece-style BPE with byte fallback) are
/// reported as unsupported by name.
/// </summary>
public static class ByteLevelBpeJson
{
    public const string FileName = "tokenizer.json";

    /// <summary>GPT-2's split: contractions, letters, digits, other symbols, whitespace.</summary>
    const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public sealed record Contents(BpeTokenizer Tokenizer, IReadOnlyDictionary<string, int> AddedTokens, IReadOnlySet<int> SpecialIds, int VocabSize);

    /// <summary>Why this tokenizer.json cannot be read as byte-level BPE, or null when it can.</summary>
    public static string? Unsupported(JsonObject json)
    {
        string? model = json["model"]?["type"]?.ToString();
        if (model != "BPE") return $"its model is {model ?? "(none)"}, not BPE";
        if (!IsByteLevel(json)) return "its BPE is not byte-level (SentencePiece-style, e.g. Llama 2 / Mistral)";
        return null;
    }

    public static JsonObject Parse(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {JsonErrorText.Describe(e)}");
        }
    }

    public static Contents Load(string path, JsonObject json)
    {
        if (Unsupported(json) is { } why) throw new InvalidDataException($"{path}: unsupported tokenizer.json: {why}");
        try
        {
            var model = json["model"]!.AsObject();
            var vocab = model["vocab"]!.AsObject().Select(kv => KeyValuePair.Create(kv.Key, kv.Value!.GetValue<int>())).ToList();
            var merges = model["merges"]?.AsArray().Select(MergeText).ToList() ?? [];
            var added = new Dictionary<string, int>(StringComparer.Ordinal);
            var special = new HashSet<int>();
            foreach (var token in json["added_tokens"]?.AsArray() ?? [])
            {
                string content = token!["content"]!.GetValue<string>();
                int id = token["id"]!.GetValue<int>();
                added[content] = id;
                if (token["special"]?.GetValue<bool>() == true) special.Add(id);
            }
            // Added tokens are matched in the text before the split regex runs, as HF does.
            var regex = new Regex(SplitPattern(json), RegexOptions.Compiled);
            var options = new BpeOptions(vocab)
            {
                Merges = merges,
                ByteLevel = true,
                SpecialTokens = added,
                PreTokenizer = new RegexPreTokenizer(regex, added),
                Normalizer = json["normalizer"]?["type"]?.ToString() == "NFC" ? new NfcNormalizer() : null,
            };
            int vocabSize = Math.Max(vocab.Max(kv => kv.Value), added.Count > 0 ? added.Values.Max() : 0) + 1;
            return new Contents(BpeTokenizer.Create(options), added, special, vocabSize);
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: malformed byte-level BPE tokenizer.json ({e.Message})");
        }
    }

    static string MergeText(JsonNode? merge) => merge switch
    {
        JsonArray pair when pair.Count == 2 => $"{pair[0]!.GetValue<string>()} {pair[1]!.GetValue<string>()}",
        JsonValue text => text.GetValue<string>(),
        _ => throw new FormatException($"merge {merge?.ToJsonString()} is neither \"a b\" nor [\"a\", \"b\"]"),
    };

    static IEnumerable<JsonObject> PreTokenizers(JsonObject json) => json["pre_tokenizer"] switch
    {
        JsonObject { } single when single["type"]?.ToString() == "Sequence" => single["pretokenizers"]?.AsArray().OfType<JsonObject>() ?? [],
        JsonObject { } single => [single],
        _ => [],
    };

    static bool IsByteLevel(JsonObject json) =>
        PreTokenizers(json).Any(p => p["type"]?.ToString() == "ByteLevel") || json["decoder"]?["type"]?.ToString() == "ByteLevel";

    static string SplitPattern(JsonObject json)
    {
        foreach (var step in PreTokenizers(json))
        {
            if (step["type"]?.ToString() == "Split" && step["pattern"]?["Regex"]?.ToString() is { } pattern) return pattern;
            if (step["type"]?.ToString() == "ByteLevel" && step["use_regex"]?.GetValue<bool>() != false) return Gpt2Pattern;
        }
        return Gpt2Pattern;
    }
}

/// <summary>Unicode NFC, the normalizer Qwen2's tokenizer.json asks for.</summary>
public sealed class NfcNormalizer : Normalizer
{
    public override string Normalize(string original) => original.Normalize(System.Text.NormalizationForm.FormC);

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
