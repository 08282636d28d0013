using System.Text;
using System.Text.RegularExpressions;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>A tokenizer.json normalizer: rewrites each section of text between added tokens before it is split.</summary>
abstract record TextNormalizer
{
    public abstract string Normalize(string text);
}

sealed record UnicodeNormalizer(NormalizationForm Form) : TextNormalizer
{
    public override string Normalize(string text) => text.Normalize(Form);
}

/// <summary>Prepend: SentencePiece's "▁" in front of every section (Llama 2, Mistral).</summary>
sealed record PrependNormalizer(string Prefix) : TextNormalizer
{
    public override string Normalize(string text) => Prefix + text;
}

/// <summary>Replace: every match of a string or regex becomes the content (" " → "▁").</summary>
sealed record ReplaceNormalizer(Regex Pattern, string Content) : TextNormalizer
{
    public override string Normalize(string text) => Pattern.Replace(text, Content.Replace("$", "$$", StringComparison.Ordinal));
}

sealed record LowercaseNormalizer : TextNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}

sealed record StripNormalizer(bool Left, bool Right) : TextNormalizer
{
    public override string Normalize(string text) => Left && Right ? text.Trim() : Left ? text.TrimStart() : Right ? text.TrimEnd() : text;
}

sealed record NormalizerSequence(IReadOnlyList<TextNormalizer> Steps) : TextNormalizer
{
    public override string Normalize(string text) => Steps.Aggregate(text, (current, step) => step.Normalize(current));
}
