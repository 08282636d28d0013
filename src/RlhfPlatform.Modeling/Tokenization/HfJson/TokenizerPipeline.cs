namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>
/// What a tokenizer.json describes, ready to run: added tokens are split out of the raw text, each
/// section between them is normalized and pre-tokenized into words, BPE turns the words into ids;
/// decoding maps ids back to token strings and runs the decoder steps.
/// </summary>
public sealed class TokenizerPipeline
{
    internal AddedTokenSplitter Splitter { get; init; } = null!;
    internal TextNormalizer? Normalizer { get; init; }
    internal PreTokenizerStep? PreTokenizer { get; init; }
    internal BpeModel Model { get; init; } = null!;
    internal TokenDecoder? Decoder { get; init; }

    /// <summary>Token string of each id (vocabulary and added tokens).</summary>
    public required IReadOnlyDictionary<int, string> TokenOfId { get; init; }
    public required IReadOnlyDictionary<string, int> IdOfToken { get; init; }
    public required IReadOnlyList<AddedToken> AddedTokens { get; init; }
    /// <summary>The post_processor's template before tokenizer_config.json's add_bos_token / add_eos_token.</summary>
    public required SequenceTemplate Template { get; init; }
    public required bool IsByteLevel { get; init; }
    public int VocabSize => TokenOfId.Keys.Max() + 1;

    public int[] Encode(string text)
    {
        var ids = new List<int>();
        var pieces = Splitter.Split(text);
        for (int section = 0; section < pieces.Count; section++)
        {
            var (token, piece) = pieces[section];
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }
            string normalized = Normalizer?.Normalize(piece) ?? piece;
            if (normalized.Length == 0) continue;
            foreach (string word in PreTokenizer?.Split(normalized, section) ?? [normalized]) Model.Encode(word, ids);
        }
        return ids.ToArray();
    }

    public string Decode(IEnumerable<int> ids, IReadOnlySet<int> skipped)
    {
        var tokens = ids.Where(id => !skipped.Contains(id)).Select(id => TokenOfId.TryGetValue(id, out var token) ? token : "").ToList();
        return string.Concat(Decoder?.Decode(tokens) ?? [string.Join(' ', tokens)]);
    }
}
