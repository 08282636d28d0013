using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;
using RlhfPlatform.Modeling.Tokenization.HfJson;
using RlhfPlatform.Modeling.Tokenization.SentencePiece;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>
/// Finds and reads the tokenizer of a model folder, and writes it into a checkpoint folder.
/// Load picks, in order: our tokenizer_config.json marker (byte or tiktoken), an HF tokenizer.json
/// (see <see cref="TokenizerJsonReader"/>), a SentencePiece tokenizer.model (BPE: converted as HF converts it, see
/// <see cref="SentencePieceConversion"/>; unigram: Microsoft.ML.Tokenizers). Special tokens come from tokenizer_config.json
/// (bos_token, eos_token, pad_token), falling back to config.json's ids; the chat template from
/// tokenizer_config.json's chat_template or chat_template.jinja.
/// </summary>
public static class TokenizerFiles
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string SentencePieceFile = "tokenizer.model";
    public const string ChatTemplateFile = "chat_template.jinja";
    const string KindField = "rlhf_tokenizer";
    const string TiktokenEncodingField = "rlhf_tiktoken_encoding";

    public static void Save(ITokenizer tokenizer, string folder)
    {
        Directory.CreateDirectory(folder);
        if (tokenizer.SourceFiles.Count > 0)
        {
            foreach (string source in tokenizer.SourceFiles)
            {
                string destination = Path.Combine(folder, Path.GetFileName(source));
                if (Path.GetFullPath(source) != Path.GetFullPath(destination)) File.Copy(source, destination, overwrite: true);
            }
            return;
        }
        var config = new JsonObject
        {
            [KindField] = tokenizer.Kind,
            ["bos_token_id"] = tokenizer.BosId,
            ["eos_token_id"] = tokenizer.EosId,
            ["pad_token_id"] = tokenizer.PadId,
        };
        if (tokenizer is LibraryTokenizer { TiktokenEncoding: { } encoding }) config[TiktokenEncodingField] = encoding;
        if (tokenizer.ChatTemplate is { } template) config["chat_template"] = template.Source;
        File.WriteAllText(Path.Combine(folder, ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static ITokenizer Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"model folder not found: {folder}");
        string configPath = Path.Combine(folder, ConfigFile);
        var config = File.Exists(configPath) ? ReadJson(configPath) : new JsonObject();
        string? kind = config[KindField]?.ToString();
        if (kind == ByteTokenizer.KindName) return new ByteTokenizer();
        if (kind == TiktokenTokenizers.KindName)
            return TiktokenTokenizers.Create(config[TiktokenEncodingField]?.ToString() ?? TiktokenTokenizers.Cl100kBase, ReadTemplate(folder, config));
        if (kind is not null) throw new InvalidDataException($"{configPath}: unknown {KindField} '{kind}' (known: byte, tiktoken)");

        string jsonPath = Path.Combine(folder, TokenizerJsonReader.FileName), modelPath = Path.Combine(folder, SentencePieceFile);
        var sources = new[] { jsonPath, modelPath, configPath, Path.Combine(folder, ChatTemplateFile) }.Where(File.Exists).ToList();
        if (File.Exists(jsonPath)) return LoadTokenizerJson(folder, jsonPath, config, sources);
        if (File.Exists(modelPath) && SentencePieceBpe(modelPath, config) is { } converted)
            return LoadPipeline(folder, modelPath, converted, config, sources);
        if (File.Exists(modelPath))
        {
            var addedSpecial = AddedTokensDecoder(config);
            SentencePieceTokenizer sentencePiece;
            using (var stream = File.OpenRead(modelPath))
            {
                try
                {
                    sentencePiece = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false,
                        specialTokens: addedSpecial.Count > 0 ? addedSpecial : null);
                }
                catch (Exception e) when (e is not IOException)
                {
                    throw new InvalidDataException($"{modelPath}: not a readable SentencePiece model ({e.Message})");
                }
            }
            var skipped = new HashSet<int>(addedSpecial.Values)
                { sentencePiece.BeginningOfSentenceId, sentencePiece.EndOfSentenceId, sentencePiece.UnknownId };
            var specials = ResolveSpecials(folder, config, token => addedSpecial.TryGetValue(token, out int id) ? id
                : sentencePiece.Vocabulary.TryGetValue(token, out int vocabId) ? vocabId : null, skipped,
                fallbackBos: sentencePiece.BeginningOfSentenceId, fallbackEos: sentencePiece.EndOfSentenceId);
            int vocabSize = Math.Max(sentencePiece.Vocabulary.Values.Max(), addedSpecial.Count > 0 ? addedSpecial.Values.Max() : 0) + 1;
            return new LibraryTokenizer("sentencepiece", sentencePiece, vocabSize, specials, ReadTemplate(folder, config), sources);
        }
        throw new FileNotFoundException(
            $"no tokenizer in {folder}: expected {TokenizerJsonReader.FileName} (HF BPE), {SentencePieceFile} (SentencePiece) " +
            $"or a {ConfigFile} naming the byte or tiktoken tokenizer", Path.Combine(folder, TokenizerJsonReader.FileName));
    }

    static HfTokenizer LoadTokenizerJson(string folder, string jsonPath, JsonObject config, IReadOnlyList<string> sources) =>
        LoadPipeline(folder, jsonPath, TokenizerJsonReader.Parse(jsonPath), config, sources);

    /// <summary>
    /// A SentencePiece BPE tokenizer.model as the tokenizer.json HF converts it to (our pipeline, checked
    /// against sentencepiece itself); null for a unigram model, which Microsoft.ML.Tokenizers reads.
    /// </summary>
    static JsonObject? SentencePieceBpe(string modelPath, JsonObject config)
    {
        SentencePieceModel model;
        try
        {
            model = SentencePieceModel.Read(File.ReadAllBytes(modelPath));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{modelPath}: not a readable SentencePiece model ({e.Message})");
        }
        if (model.ModelType == SentencePieceModel.Unigram) return null;
        JsonObject json;
        try
        {
            json = SentencePieceConversion.ToTokenizerJson(model);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{modelPath}: {e.Message}");
        }
        // tokenizer_config.json's added_tokens_decoder may add tokens past the model's pieces, as the slow HF tokenizer does.
        var added = json["added_tokens"]!.AsArray();
        var known = added.Select(t => t!["id"]!.GetValue<int>()).ToHashSet();
        if (config["added_tokens_decoder"] is JsonObject decoder)
            foreach (var (idText, token) in decoder)
                if (int.TryParse(idText, out int id) && known.Add(id) && TokenText(token) is { } text)
                    added.Add(new JsonObject { ["id"] = id, ["content"] = text, ["special"] = token?["special"]?.GetValue<bool>() == true });
        return json;
    }

    static HfTokenizer LoadPipeline(string folder, string path, JsonObject tokenizerJson, JsonObject config, IReadOnlyList<string> sources)
    {
        var pipeline = TokenizerJsonReader.Read(path, tokenizerJson);
        var skipped = pipeline.AddedTokens.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        foreach (var extra in config["additional_special_tokens"]?.AsArray() ?? [])
            if (TokenText(extra) is { } text && pipeline.IdOfToken.TryGetValue(text, out int id)) skipped.Add(id);
        var specials = ResolveSpecials(folder, config, token => pipeline.IdOfToken.TryGetValue(token, out int id) ? id : null, skipped);
        bool hasBos = TokenText(config["bos_token"]) is not null, hasEos = TokenText(config["eos_token"]) is not null;
        var template = pipeline.Template.WithFlags(Flag(config["add_bos_token"]), Flag(config["add_eos_token"]),
            hasBos ? specials.BosId : null, hasEos ? specials.EosId : null);
        return new HfTokenizer(pipeline, specials, template, ReadTemplate(folder, config), sources);
    }

    static bool? Flag(JsonNode? node) => node is JsonValue value && value.TryGetValue(out bool flag) ? flag : null;

    static JsonObject ReadJson(string path)
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

    /// <summary>tokenizer_config.json writes a token as "text" or as {"content": "text", ...}.</summary>
    static string? TokenText(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonObject added => added["content"]?.ToString(),
        _ => null,
    };

    /// <summary>Special tokens a SentencePiece model's tokenizer_config.json adds (added_tokens_decoder: id → {content, special}).</summary>
    static Dictionary<string, int> AddedTokensDecoder(JsonObject config)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (config["added_tokens_decoder"] is not JsonObject decoder) return result;
        foreach (var (idText, token) in decoder)
            if (int.TryParse(idText, out int id) && token?["special"]?.GetValue<bool>() == true && TokenText(token) is { } text)
                result[text] = id;
        return result;
    }

    static SpecialTokens ResolveSpecials(string folder, JsonObject config, Func<string, int?> idOf, IReadOnlySet<int> skipped,
        int? fallbackBos = null, int? fallbackEos = null)
    {
        var modelConfigPath = Path.Combine(folder, "config.json");
        var modelConfig = File.Exists(modelConfigPath) ? ReadJson(modelConfigPath) : new JsonObject();
        int? ConfigId(string key) => modelConfig[key] switch
        {
            JsonValue v when v.TryGetValue(out int id) => id,
            JsonArray { Count: > 0 } list when list[0] is JsonValue first && first.TryGetValue(out int id) => id,
            _ => null,
        };
        (string? Text, int? Id) Resolve(string key)
        {
            string? text = TokenText(config[key]);
            int? id = text is null ? null : idOf(text) ?? throw new InvalidDataException($"{ConfigFile}: {key} '{text}' is not in the vocabulary");
            return (text, id);
        }
        var (bosText, bosId) = Resolve("bos_token");
        var (eosText, eosId) = Resolve("eos_token");
        var (_, padId) = Resolve("pad_token");
        int eos = eosId ?? ConfigId("eos_token_id") ?? fallbackEos
            ?? throw new InvalidDataException($"no EOS token in {folder}: neither {ConfigFile}'s eos_token nor config.json's eos_token_id");
        int bos = bosId ?? ConfigId("bos_token_id") ?? fallbackBos ?? eos;
        int pad = padId ?? ConfigId("pad_token_id") ?? eos;
        return new SpecialTokens(bos, eos, pad, bosText, eosText, skipped);
    }

    static ChatTemplate? ReadTemplate(string folder, JsonObject config)
    {
        string file = Path.Combine(folder, ChatTemplateFile);
        if (File.Exists(file)) return ChatTemplate.Parse(File.ReadAllText(file));
        string? source = config["chat_template"] switch
        {
            JsonValue v when v.TryGetValue(out string? text) => text,
            // Newer configs list named templates; "default" is the one apply_chat_template uses.
            JsonArray named => named.OfType<JsonObject>().FirstOrDefault(t => t["name"]?.ToString() == "default")?["template"]?.ToString(),
            _ => null,
        };
        return source is null ? null : ChatTemplate.Parse(source);
    }
}
