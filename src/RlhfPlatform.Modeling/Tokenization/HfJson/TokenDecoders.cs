using System.Text;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>A tokenizer.json decoder step: turns token strings back into text pieces.</summary>
abstract record TokenDecoder
{
    public abstract List<string> Decode(List<string> tokens);
}

sealed record DecoderSequence(IReadOnlyList<TokenDecoder> Steps) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => Steps.Aggregate(tokens, (current, step) => step.Decode(current));
}

/// <summary>ByteLevel: GPT-2's characters back to bytes and UTF-8 text; added tokens are written as they are.</summary>
sealed record ByteLevelDecoder(IReadOnlySet<string> AddedTokens) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens)
    {
        var pieces = new List<string>();
        var run = new StringBuilder();
        foreach (string token in tokens)
        {
            if (!AddedTokens.Contains(token))
            {
                run.Append(token);
                continue;
            }
            if (run.Length > 0) pieces.Add(ByteLevelAlphabet.Decode(run.ToString()));
            run.Clear();
            pieces.Add(token);
        }
        if (run.Length > 0) pieces.Add(ByteLevelAlphabet.Decode(run.ToString()));
        return pieces;
    }
}

sealed record ReplaceDecoder(string Pattern, string Content) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => tokens.Select(t => t.Replace(Pattern, Content, StringComparison.Ordinal)).ToList();
}

/// <summary>ByteFallback: runs of "&lt;0xNN&gt;" tokens become the UTF-8 text of their bytes.</summary>
sealed record ByteFallbackDecoder : TokenDecoder
{
    public override List<string> Decode(List<string> tokens)
    {
        var pieces = new List<string>();
        var bytes = new List<byte>();
        void Flush()
        {
            if (bytes.Count > 0) pieces.Add(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
        foreach (string token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out byte b))
            {
                bytes.Add(b);
                continue;
            }
            Flush();
            pieces.Add(token);
        }
        Flush();
        return pieces;
    }
}

sealed record FuseDecoder : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>Strip: up to Start copies of Content from the front of each piece and up to Stop from its end.</summary>
sealed record StripDecoder(char Content, int Start, int Stop) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => tokens.Select(token =>
    {
        int from = 0, to = token.Length;
        while (from < Start && from < token.Length && token[from] == Content) from++;
        while (token.Length - to < Stop && to > from && token[to - 1] == Content) to--;
        return token[from..to];
    }).ToList();
}

/// <summary>Metaspace: "▁" back to spaces, and the space put in front of the text dropped again.</summary>
sealed record MetaspaceDecoder(string Replacement, bool DropLeadingSpace) : TokenDecoder
{
    public override List<string> Decode(List<string> tokens) => tokens.Select((token, i) =>
    {
        string text = token.Replace(Replacement, " ", StringComparison.Ordinal);
        return DropLeadingSpace && i == 0 && text.StartsWith(' ') ? text[1..] : text;
    }).ToList();
}
