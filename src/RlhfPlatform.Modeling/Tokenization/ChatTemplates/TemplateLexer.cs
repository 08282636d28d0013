using System.Text;

namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

enum SegmentKind { Text, Output, Statement }

/// <summary>A piece of template source: literal text, the inside of {{ }} or the inside of {% %}.</summary>
sealed record Segment(SegmentKind Kind, string Content, int Offset);

enum TokenKind { Name, String, Integer, Float, Operator, End }

sealed record Token(TokenKind Kind, string Text, int Offset)
{
    public bool Is(string text) => Kind is TokenKind.Operator or TokenKind.Name && Text == text;
}

/// <summary>
/// Splits a template into segments, applying Jinja's whitespace control the way HF renders chat
/// templates: "-" inside a tag strips the whitespace on that side, trim_blocks drops the first
/// newline after a {% %} or {# #} tag, and lstrip_blocks drops the spaces before one on its line.
/// </summary>
static class TemplateLexer
{
    public static List<Segment> Segments(string source)
    {
        var segments = new List<Segment>();
        int textStart = 0, i = 0;
        bool trimNextNewline = false, stripNextWhitespace = false;
        while (i < source.Length)
        {
            int open = NextTagStart(source, i);
            string literal = source[i..(open < 0 ? source.Length : open)];
            bool stripBefore = false, isBlock = false;
            if (open >= 0)
            {
                isBlock = source[open + 1] is '%' or '#';
                stripBefore = open + 2 < source.Length && source[open + 2] == '-';
                bool keepBefore = open + 2 < source.Length && source[open + 2] == '+';
                if (stripBefore) literal = literal.TrimEnd();
                else if (isBlock && !keepBefore) literal = StripLineIndent(literal, atLineStart: i == 0 || source[i - 1] == '\n');
            }
            if (stripNextWhitespace) literal = literal.TrimStart();
            else if (trimNextNewline && literal.StartsWith('\n')) literal = literal[1..];
            else if (trimNextNewline && literal.StartsWith("\r\n", StringComparison.Ordinal)) literal = literal[2..];
            stripNextWhitespace = trimNextNewline = false;
            Flush(segments, literal, textStart);
            if (open < 0) break;
            char kind = source[open + 1];
            bool keepBeforeTag = open + 2 < source.Length && source[open + 2] == '+';

            string close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            int end = source.IndexOf(close, open + 2, StringComparison.Ordinal);
            if (end < 0) throw new InvalidDataException($"chat template: '{source.Substring(open, 2)}' at offset {open} is never closed");
            int contentStart = open + 2 + (stripBefore || keepBeforeTag ? 1 : 0);
            bool stripAfter = end > contentStart && source[end - 1] == '-';
            bool keepAfter = end > contentStart && source[end - 1] == '+';
            string content = source[contentStart..(end - (stripAfter || keepAfter ? 1 : 0))];
            if (kind == '{') segments.Add(new Segment(SegmentKind.Output, content, open));
            else if (kind == '%') segments.Add(new Segment(SegmentKind.Statement, content, open));
            i = end + 2;
            textStart = i;
            stripNextWhitespace = stripAfter;
            trimNextNewline = isBlock && !keepAfter;
        }
        return segments;
    }

    static int NextTagStart(string source, int from)
    {
        for (int i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
            if (source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>lstrip_blocks: spaces and tabs between the last newline (or the start) and the tag go.</summary>
    static string StripLineIndent(string literal, bool atLineStart)
    {
        int cut = literal.Length;
        while (cut > 0 && literal[cut - 1] is ' ' or '\t') cut--;
        return cut == 0 && atLineStart || cut > 0 && literal[cut - 1] == '\n' ? literal[..cut] : literal;
    }

    static void Flush(List<Segment> segments, string literal, int offset)
    {
        if (literal.Length > 0) segments.Add(new Segment(SegmentKind.Text, literal, offset));
    }

    static readonly string[] Operators = ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":", "(", ")", "[", "]", "{", "}", "=", "<", ">"];

    /// <summary>The tokens of an expression or statement, ending with an End token.</summary>
    public static List<Token> Tokens(string code, int offset)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < code.Length)
        {
            char c = code[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            int start = i;
            if (char.IsLetter(c) || c == '_')
            {
                while (i < code.Length && (char.IsLetterOrDigit(code[i]) || code[i] == '_')) i++;
                tokens.Add(new Token(TokenKind.Name, code[start..i], offset + start));
            }
            else if (char.IsDigit(c))
            {
                while (i < code.Length && char.IsDigit(code[i])) i++;
                bool isFloat = i + 1 < code.Length && code[i] == '.' && char.IsDigit(code[i + 1]);
                if (isFloat) for (i++; i < code.Length && char.IsDigit(code[i]); i++) { }
                tokens.Add(new Token(isFloat ? TokenKind.Float : TokenKind.Integer, code[start..i], offset + start));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new Token(TokenKind.String, ReadString(code, ref i, offset), offset + start));
            }
            else
            {
                string? op = Operators.FirstOrDefault(o => string.CompareOrdinal(code, i, o, 0, o.Length) == 0);
                if (op is null) throw new InvalidDataException($"chat template: unexpected character '{c}' at offset {offset + i}");
                tokens.Add(new Token(TokenKind.Operator, op, offset + start));
                i += op.Length;
            }
        }
        tokens.Add(new Token(TokenKind.End, "", offset + code.Length));
        return tokens;
    }

    static string ReadString(string code, ref int i, int offset)
    {
        char quote = code[i++];
        var value = new StringBuilder();
        while (i < code.Length && code[i] != quote)
        {
            char c = code[i++];
            if (c != '\\' || i >= code.Length) { value.Append(c); continue; }
            char escaped = code[i++];
            value.Append(escaped switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => escaped });
        }
        if (i >= code.Length) throw new InvalidDataException($"chat template: string starting at offset {offset} is never closed");
        i++;
        return value.ToString();
    }
}
