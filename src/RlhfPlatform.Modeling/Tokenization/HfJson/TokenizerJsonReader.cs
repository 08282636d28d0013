using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>
/// Reads an HF tokenizer.json into a <see cref="TokenizerPipeline"/>. Supported: a BPE model (merges as
/// "a b" or ["a", "b"], byte_fallback, ignore_merges, fuse_unk); normalizers NFC/NFD/NFKC/NFKD,
/// Prepend, Replace, Lowercase, Strip, Sequence; pre-tokenizers ByteLevel, Split, Metaspace, Sequence;
/// post-processors TemplateProcessing, ByteLevel, Sequence; decoders ByteLevel, Replace, ByteFallback,
/// Fuse, Strip, Metaspace, Sequence. Anything else is reported by name.
/// </summary>
public static class TokenizerJsonReader
{
    public const string FileName = "tokenizer.json";

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

    public static TokenizerPipeline Read(string path, JsonObject json)
    {
        try
        {
            return ReadPipeline(json);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}");
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: malformed tokenizer.json ({e.Message})");
        }
    }

    static TokenizerPipeline ReadPipeline(JsonObject json)
    {
        var model = json["model"] as JsonObject ?? throw new InvalidDataException("tokenizer.json has no model");
        string? type = Text(model["type"]);
        if (type != "BPE") throw new InvalidDataException($"unsupported tokenizer.json: its model is {type ?? "(none)"}; only BPE is supported");
        if (!string.IsNullOrEmpty(Text(model["continuing_subword_prefix"])) || !string.IsNullOrEmpty(Text(model["end_of_word_suffix"])))
            throw new InvalidDataException("unsupported tokenizer.json: BPE with continuing_subword_prefix / end_of_word_suffix");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in model["vocab"]!.AsObject()) vocab[token] = id!.GetValue<int>();
        var addedTokens = (json["added_tokens"]?.AsArray() ?? []).OfType<JsonObject>().Select(t => new AddedToken(
            t["id"]!.GetValue<int>(), t["content"]!.GetValue<string>(), Flag(t["special"]), Flag(t["lstrip"]), Flag(t["rstrip"]))).ToList();
        // The reference adds the added tokens to the model's vocabulary (ignore_merges and lookups see them).
        var idOfToken = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        foreach (var token in addedTokens) idOfToken[token.Content] = token.Id;
        var tokenOfId = new Dictionary<int, string>();
        foreach (var (token, id) in idOfToken) tokenOfId[id] = token;

        var merges = (model["merges"]?.AsArray() ?? []).Select(Merge).ToList();
        int? unknown = Text(model["unk_token"]) is { } unk && idOfToken.TryGetValue(unk, out int unkId) ? unkId : null;
        var bpe = new BpeModel(idOfToken, merges, unknown, Flag(model["ignore_merges"]), Flag(model["byte_fallback"]), Flag(model["fuse_unk"]));

        var preTokenizer = PreTokenizerOf(json["pre_tokenizer"]);
        return new TokenizerPipeline
        {
            Splitter = new AddedTokenSplitter(addedTokens),
            Normalizer = NormalizerOf(json["normalizer"]),
            PreTokenizer = preTokenizer,
            Model = bpe,
            Decoder = DecoderOf(json["decoder"], addedTokens.Select(t => t.Content).ToHashSet(StringComparer.Ordinal)),
            TokenOfId = tokenOfId,
            IdOfToken = idOfToken,
            AddedTokens = addedTokens,
            Template = TemplateOf(json["post_processor"], idOfToken),
            IsByteLevel = Steps(json["pre_tokenizer"], "pretokenizers").Any(s => Text(s["type"]) == "ByteLevel"),
        };
    }

    static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    static bool Flag(JsonNode? node) => node is JsonValue value && value.TryGetValue(out bool flag) && flag;

    static (string, string) Merge(JsonNode? merge) => merge switch
    {
        JsonArray pair when pair.Count == 2 => (pair[0]!.GetValue<string>(), pair[1]!.GetValue<string>()),
        JsonValue text when text.GetValue<string>().Split(' ', 2) is [var left, var right] => (left, right),
        _ => throw new FormatException($"merge {merge?.ToJsonString()} is neither \"a b\" nor [\"a\", \"b\"]"),
    };

    /// <summary>A step, or the steps of a Sequence step.</summary>
    static IEnumerable<JsonObject> Steps(JsonNode? node, string listField) => node switch
    {
        JsonObject sequence when Text(sequence["type"]) == "Sequence" => sequence[listField]?.AsArray().OfType<JsonObject>() ?? [],
        JsonObject single => [single],
        _ => [],
    };

    static Regex PatternOf(JsonNode? pattern) => pattern switch
    {
        JsonObject p when Text(p["Regex"]) is { } regex => JsRegex.Create(regex),
        JsonObject p when Text(p["String"]) is { } literal => JsRegex.Literal(literal),
        _ => throw new InvalidDataException($"pattern {pattern?.ToJsonString()} is neither {{\"String\"}} nor {{\"Regex\"}}"),
    };

    static TextNormalizer? NormalizerOf(JsonNode? node)
    {
        if (node is not JsonObject config) return null;
        return Text(config["type"]) switch
        {
            "Sequence" => new NormalizerSequence(config["normalizers"]!.AsArray().Select(NormalizerOf).OfType<TextNormalizer>().ToList()),
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Prepend" => new PrependNormalizer(Text(config["prepend"]) ?? ""),
            "Replace" => new ReplaceNormalizer(PatternOf(config["pattern"]), Text(config["content"]) ?? ""),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(Flag(config["strip_left"]), Flag(config["strip_right"])),
            var other => throw new InvalidDataException($"unsupported tokenizer.json: normalizer {other}"),
        };
    }

    static PreTokenizerStep? PreTokenizerOf(JsonNode? node)
    {
        if (node is not JsonObject config) return null;
        return Text(config["type"]) switch
        {
            "Sequence" => new PreTokenizerSequence(config["pretokenizers"]!.AsArray().Select(PreTokenizerOf).OfType<PreTokenizerStep>().ToList()),
            "ByteLevel" => new ByteLevelPreTokenizer(Flag(config["add_prefix_space"]),
                config["use_regex"] is JsonValue useRegex && !useRegex.GetValue<bool>() ? null : JsRegex.Create(ByteLevelPreTokenizer.Gpt2Pattern)),
            "Split" => new SplitPreTokenizer(PatternOf(config["pattern"]),
                string.Equals(Text(config["behavior"]), "Removed", StringComparison.OrdinalIgnoreCase), Flag(config["invert"])),
            "Metaspace" => new MetaspacePreTokenizer(Text(config["replacement"]) ?? "\u2581", PrependScheme(config),
                config["split"] is not JsonValue split || split.GetValue<bool>()),
            var other => throw new InvalidDataException($"unsupported tokenizer.json: pre_tokenizer {other}"),
        };
    }

    /// <summary>Metaspace's prepend_scheme (always / first / never); older files say add_prefix_space instead.</summary>
    static string PrependScheme(JsonObject config) =>
        Text(config["prepend_scheme"]) ?? (config["add_prefix_space"] is JsonValue add && !add.GetValue<bool>() ? "never" : "always");

    static TokenDecoder? DecoderOf(JsonNode? node, IReadOnlySet<string> addedTokens)
    {
        if (node is not JsonObject config) return null;
        return Text(config["type"]) switch
        {
            "Sequence" => new DecoderSequence(config["decoders"]!.AsArray().Select(d => DecoderOf(d, addedTokens)).OfType<TokenDecoder>().ToList()),
            "ByteLevel" => new ByteLevelDecoder(addedTokens),
            "Replace" => new ReplaceDecoder(Text(config["pattern"]?["String"]) ?? throw new InvalidDataException("Replace decoder without a String pattern"),
                Text(config["content"]) ?? ""),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder((Text(config["content"]) ?? " ")[0], config["start"]?.GetValue<int>() ?? 0, config["stop"]?.GetValue<int>() ?? 0),
            "Metaspace" => new MetaspaceDecoder(Text(config["replacement"]) ?? "\u2581", PrependScheme(config) != "never"),
            var other => throw new InvalidDataException($"unsupported tokenizer.json: decoder {other}"),
        };
    }

    /// <summary>The ids around a single sequence: TemplateProcessing's "single" template; other post-processors add none.</summary>
    static SequenceTemplate TemplateOf(JsonNode? node, IReadOnlyDictionary<string, int> idOfToken)
    {
        var templates = Steps(node, "processors").Where(p => Text(p["type"]) == "TemplateProcessing").ToList();
        foreach (var other in Steps(node, "processors").Select(p => Text(p["type"])).Where(t => t is not ("TemplateProcessing" or "ByteLevel")))
            throw new InvalidDataException($"unsupported tokenizer.json: post_processor {other}");
        if (templates.Count == 0) return SequenceTemplate.None;
        var processor = templates[^1];
        var prefix = new List<int>();
        var suffix = new List<int>();
        bool seenSequence = false;
        foreach (var item in processor["single"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            if (item["Sequence"] is not null)
            {
                seenSequence = true;
                continue;
            }
            string token = Text(item["SpecialToken"]?["id"]) ?? throw new InvalidDataException($"TemplateProcessing item {item.ToJsonString()}");
            var ids = processor["special_tokens"]?[token]?["ids"]?.AsArray().Select(i => i!.GetValue<int>()).ToList()
                ?? (idOfToken.TryGetValue(token, out int id) ? [id] : throw new InvalidDataException($"TemplateProcessing names unknown token '{token}'"));
            (seenSequence ? suffix : prefix).AddRange(ids);
        }
        return new SequenceTemplate(prefix, suffix);
    }
}
