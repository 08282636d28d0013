using System.Text.RegularExpressions;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>A tokenizer.json pre-tokenizer: splits a normalized section into the words BPE runs on.</summary>
abstract record PreTokenizerStep
{
    /// <param name="sectionIndex">the section's place among the added-token split pieces (Metaspace's "first" scheme needs it)</param>
    public abstract IEnumerable<string> Split(string text, int sectionIndex);
}

sealed record PreTokenizerSequence(IReadOnlyList<PreTokenizerStep> Steps) : PreTokenizerStep
{
    public override IEnumerable<string> Split(string text, int sectionIndex)
    {
        IEnumerable<string> words = [text];
        foreach (var step in Steps) words = words.SelectMany(word => step.Split(word, sectionIndex)).ToList();
        return words;
    }
}

/// <summary>
/// Split: the pattern's matches and the text between them become words. As in the reference, every
/// behavior but "Removed" keeps matches as words of their own ("Isolated"); invert keeps only the matches.
/// </summary>
sealed record SplitPreTokenizer(Regex Pattern, bool RemoveMatches, bool Invert) : PreTokenizerStep
{
    public override IEnumerable<string> Split(string text, int sectionIndex)
    {
        if (Invert) return Pattern.Matches(text).Select(m => m.Value).Where(v => v.Length > 0);
        var words = new List<string>();
        int previous = 0;
        foreach (Match match in Pattern.Matches(text))
        {
            if (match.Index > previous) words.Add(text[previous..match.Index]);
            if (match.Length > 0 && !RemoveMatches) words.Add(match.Value);
            previous = match.Index + match.Length;
        }
        if (previous < text.Length) words.Add(text[previous..]);
        return words;
    }
}

/// <summary>ByteLevel: optionally GPT-2's split, then each word's UTF-8 bytes as GPT-2's printable characters.</summary>
sealed record ByteLevelPreTokenizer(bool AddPrefixSpace, Regex? Gpt2Split) : PreTokenizerStep
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public override IEnumerable<string> Split(string text, int sectionIndex)
    {
        if (AddPrefixSpace && !text.StartsWith(' ')) text = " " + text;
        var words = Gpt2Split is null ? [text] : Gpt2Split.Matches(text).Select(m => m.Value);
        return words.Select(ByteLevelAlphabet.Encode);
    }
}

/// <summary>
/// Metaspace: spaces become the replacement ("▁"), which is also put in front of the section
/// (always, never, or only in front of the text's first section); with split, each "▁" starts a word.
/// </summary>
sealed record MetaspacePreTokenizer(string Replacement, string PrependScheme, bool SplitWords) : PreTokenizerStep
{
    public override IEnumerable<string> Split(string text, int sectionIndex)
    {
        string replaced = text.Replace(" ", Replacement, StringComparison.Ordinal);
        bool prepend = PrependScheme == "always" || PrependScheme == "first" && sectionIndex == 0;
        if (prepend && !replaced.StartsWith(Replacement, StringComparison.Ordinal)) replaced = Replacement + replaced;
        if (!SplitWords || replaced.Length < 2) return [replaced];
        var words = new List<string>();
        int start = 0;
        for (int i = replaced.IndexOf(Replacement, 1, StringComparison.Ordinal); i > 0; i = replaced.IndexOf(Replacement, i + 1, StringComparison.Ordinal))
        {
            words.Add(replaced[start..i]);
            start = i;
        }
        words.Add(replaced[start..]);
        return words.Where(w => w.Length > 0);
    }
}
