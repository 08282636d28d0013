using Microsoft.ML.Tokenizers;
using RlhfPlatform.Modeling.Tokenization.ChatTemplates;

namespace RlhfPlatform.Modeling.Tokenization;

/// <summary>
/// OpenAI's tiktoken encodings through Microsoft.ML.Tokenizers. The ranks come from a data package
/// (Microsoft.ML.Tokenizers.Data.Cl100kBase is referenced); &lt;|endoftext|&gt; serves as BOS, EOS and PAD.
/// </summary>
public static class TiktokenTokenizers
{
    public const string KindName = "tiktoken";
    public const string Cl100kBase = "cl100k_base";
    const string EndOfText = "<|endoftext|>";

    public static LibraryTokenizer Create(string encoding, ChatTemplate? chatTemplate = null)
    {
        TiktokenTokenizer tokenizer;
        try
        {
            tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new InvalidDataException($"tiktoken encoding '{encoding}' is not available ({e.Message}); {Cl100kBase} is");
        }
        var specials = tokenizer.SpecialTokens ?? throw new InvalidDataException($"tiktoken encoding '{encoding}' has no special tokens");
        int endOfText = specials.TryGetValue(EndOfText, out int id) ? id : throw new InvalidDataException($"tiktoken encoding '{encoding}' has no {EndOfText}");
        var skipped = specials.Values.ToHashSet();
        return new LibraryTokenizer(KindName, tokenizer, specials.Values.Max() + 1,
            new SpecialTokens(endOfText, endOfText, endOfText, EndOfText, EndOfText, skipped), chatTemplate, [])
        {
            TiktokenEncoding = encoding,
        };
    }
}
