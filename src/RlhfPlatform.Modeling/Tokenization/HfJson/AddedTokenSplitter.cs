namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>A tokenizer.json added token: matched in the raw text before normalization and kept as one id.</summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool LStrip, bool RStrip);

/// <summary>
/// Splits text into added tokens and the sections between them, as the reference does: at each
/// position the longest added token starting there wins, special or not; lstrip/rstrip trim the
/// whitespace of the neighbouring sections. (single_word and normalized are not applied, as in the
/// reference, transformers.js.)
/// </summary>
sealed class AddedTokenSplitter
{
    sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public AddedToken? Token;
    }

    readonly Node root = new();

    public AddedTokenSplitter(IEnumerable<AddedToken> tokens)
    {
        foreach (var token in tokens)
        {
            if (token.Content.Length == 0) continue;
            var node = root;
            foreach (char c in token.Content)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out var child)) node.Children[c] = child = new Node();
                node = child;
            }
            node.Token = token;
        }
    }

    /// <summary>The pieces of the text in order: an added token, or a (non-empty) section of ordinary text.</summary>
    public List<(AddedToken? Token, string Text)> Split(string text)
    {
        var pieces = new List<(AddedToken? Token, string Text)>();
        int sectionStart = 0;
        for (int i = 0; i < text.Length;)
        {
            var match = LongestAt(text, i);
            if (match is null)
            {
                i++;
                continue;
            }
            if (i > sectionStart) pieces.Add((null, text[sectionStart..i]));
            pieces.Add((match, match.Content));
            i += match.Content.Length;
            sectionStart = i;
        }
        if (sectionStart < text.Length) pieces.Add((null, text[sectionStart..]));
        for (int i = 0; i < pieces.Count; i++)
        {
            if (pieces[i].Token is not { } token) continue;
            if (token.LStrip && i > 0 && pieces[i - 1].Token is null) pieces[i - 1] = (null, pieces[i - 1].Text.TrimEnd());
            if (token.RStrip && i + 1 < pieces.Count && pieces[i + 1].Token is null) pieces[i + 1] = (null, pieces[i + 1].Text.TrimStart());
        }
        return pieces;
    }

    AddedToken? LongestAt(string text, int start)
    {
        AddedToken? match = null;
        var node = root;
        for (int j = start; j < text.Length && node.Children is not null && node.Children.TryGetValue(text[j], out var child); j++)
        {
            node = child;
            if (node.Token is not null) match = node.Token;
        }
        return match;
    }
}
