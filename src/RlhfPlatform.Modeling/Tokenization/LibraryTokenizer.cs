using Microsoft.ML.Tokenizers;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>The special tokens of a tokenizer: ids the models use, texts the chat templates write, ids decoding skips.</summary>
public sealed record SpecialTokens(int BosId, int EosId, int PadId, string? BosToken, string? EosToken, IReadOnlySet<int> SkippedWhenDecoding);

/// <summary>
/// A Microsoft.ML.Tokenizers tokenizer (BPE from tokenizer.json, SentencePiece, tiktoken) behind
/// <see cref="ITokenizer"/>. <see cref="SourceFiles"/> are the files it was read from, copied
/// into a checkpoint folder when the model is saved.
/// </summary>
public sealed class LibraryTokenizer(string kind, Tokenizer inner, int vocabSize, SpecialTokens specials,
    ChatTemplate? chatTemplate, IReadOnlyList<string> sourceFiles) : ITokenizer
{
    public string Kind => kind;
    public int VocabSize => vocabSize;
    public int BosId => specials.BosId;
    public int EosId => specials.EosId;
    public int PadId => specials.PadId;
    public string? BosToken => specials.BosToken;
    public string? EosToken => specials.EosToken;
    public ChatTemplate? ChatTemplate => chatTemplate;
    public IReadOnlyList<string> SourceFiles => sourceFiles;
    public Tokenizer Inner => inner;

    /// <summary>The tiktoken encoding name ("cl100k_base") when this is a tiktoken tokenizer.</summary>
    public string? TiktokenEncoding { get; init; }

    public int[] Encode(string text) => inner switch
    {
        SentencePieceTokenizer sentencePiece => sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false).ToArray(),
        _ => inner.EncodeToIds(text).ToArray(),
    };

    public string Decode(IEnumerable<int> ids) => inner.Decode(ids.Where(id => !specials.SkippedWhenDecoding.Contains(id)));
}
