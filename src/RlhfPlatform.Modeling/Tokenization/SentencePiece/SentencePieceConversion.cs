using System.Text.Json.Nodes;

namespace RlhfPlatform.Modeling.Tokenization.SentencePiece;

/// <summary>
/// A SentencePiece BPE model as the tokenizer.json HF's converters write for it (Llama, Mistral):
/// a BPE model whose merges come from the pieces (every split of a piece into two pieces, ranked by
/// the merged piece's score, ties by the parts' ids), byte fallback, "▁" for spaces with a dummy
/// prefix, and control, unknown and user-defined pieces as added tokens. Unigram models and models
/// with a normalization rule table (nmt_nfkc …) are refused by name: their tokenizer.json loads instead.
/// </summary>
public static class SentencePieceConversion
{
    const string Space = "\u2581";

    public static JsonObject ToTokenizerJson(SentencePieceModel model)
    {
        if (model.ModelType != SentencePieceModel.Bpe)
            throw new InvalidDataException($"a SentencePiece {(model.ModelType == SentencePieceModel.Unigram ? "unigram" : $"type {model.ModelType}")} model is not supported (only BPE); use the model's tokenizer.json");
        if (model.HasCharsMap)
            throw new InvalidDataException($"a SentencePiece model with the '{model.NormalizerName}' normalization rules is not supported; use the model's tokenizer.json");
        if (!model.EscapeWhitespaces)
            throw new InvalidDataException("a SentencePiece model that keeps spaces unescaped is not supported; use the model's tokenizer.json");

        var vocab = new JsonObject();
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = 0; id < model.Pieces.Count; id++)
            if (idOf.TryAdd(model.Pieces[id].Text, id)) vocab[model.Pieces[id].Text] = id;
        var unk = model.Pieces.Select((p, id) => (p, id)).FirstOrDefault(x => x.p.Type == PieceType.Unknown);

        var normalizers = new JsonArray();
        if (model.RemoveExtraWhitespaces)
        {
            normalizers.Add(new JsonObject { ["type"] = "Strip", ["strip_left"] = true, ["strip_right"] = true });
            normalizers.Add(new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = " {2,}" }, ["content"] = " " });
        }
        if (model.AddDummyPrefix) normalizers.Add(new JsonObject { ["type"] = "Prepend", ["prepend"] = Space });
        normalizers.Add(new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = " " }, ["content"] = Space });

        var decoders = new JsonArray
        {
            new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["String"] = Space }, ["content"] = " " },
            new JsonObject { ["type"] = "ByteFallback" },
            new JsonObject { ["type"] = "Fuse" },
        };
        if (model.AddDummyPrefix) decoders.Add(new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 1, ["stop"] = 0 });

        return new JsonObject
        {
            ["added_tokens"] = new JsonArray(model.Pieces.Select((p, id) => (p, id))
                .Where(x => x.p.Type is PieceType.Control or PieceType.Unknown or PieceType.UserDefined)
                .Select(x => (JsonNode)new JsonObject
                {
                    ["id"] = x.id, ["content"] = x.p.Text, ["special"] = x.p.Type != PieceType.UserDefined,
                    ["lstrip"] = false, ["rstrip"] = false, ["normalized"] = false, ["single_word"] = false,
                }).ToArray()),
            ["normalizer"] = new JsonObject { ["type"] = "Sequence", ["normalizers"] = normalizers },
            ["pre_tokenizer"] = null,
            ["post_processor"] = BosTemplate(model),
            ["decoder"] = new JsonObject { ["type"] = "Sequence", ["decoders"] = decoders },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = unk.p?.Text,
                ["fuse_unk"] = true,
                ["byte_fallback"] = model.ByteFallback,
                ["vocab"] = vocab,
                ["merges"] = new JsonArray(Merges(model, idOf).Select(m => (JsonNode)new JsonArray(m.Left, m.Right)).ToArray()),
            },
        };
    }

    /// <summary>HF's Llama converters prepend BOS (add_bos_token in tokenizer_config.json may turn it off).</summary>
    static JsonObject? BosTemplate(SentencePieceModel model)
    {
        if (model.BosId < 0 || model.BosId >= model.Pieces.Count) return null;
        string bos = model.Pieces[model.BosId].Text;
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(
                new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = bos, ["type_id"] = 0 } },
                new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } }),
            ["special_tokens"] = new JsonObject { [bos] = new JsonObject { ["id"] = bos, ["ids"] = new JsonArray(model.BosId), ["tokens"] = new JsonArray(bos) } },
        };
    }

    /// <summary>Every (left, right) whose concatenation is a normal piece, best merged score first, then by the parts' ids.</summary>
    public static IReadOnlyList<(string Left, string Right)> Merges(SentencePieceModel model, IReadOnlyDictionary<string, int> idOf)
    {
        var merges = new List<(string Left, string Right, float Score, int Merged, int LeftId, int RightId)>();
        for (int id = 0; id < model.Pieces.Count; id++)
        {
            var piece = model.Pieces[id];
            if (piece.Type != PieceType.Normal) continue;
            for (int cut = 1; cut < piece.Text.Length; cut++)
            {
                if (char.IsLowSurrogate(piece.Text[cut])) continue;
                string left = piece.Text[..cut], right = piece.Text[cut..];
                if (idOf.TryGetValue(left, out int leftId) && idOf.TryGetValue(right, out int rightId))
                    merges.Add((left, right, piece.Score, id, leftId, rightId));
            }
        }
        return merges.OrderByDescending(m => m.Score).ThenBy(m => m.Merged).ThenBy(m => m.LeftId).ThenBy(m => m.RightId)
            .Select(m => (m.Left, m.Right)).ToList();
    }
}
