using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RlhfPlatform.Modeling.Tokenization.HfJson;

/// <summary>
/// Builds a .NET regex from a tokenizer.json pattern with the meaning the reference gives it: a
/// JavaScript regex with the u flag. Three differences matter for tokenizer patterns and are
/// rewritten here. (1) JavaScript matches code points, .NET UTF-16 units: a character class or
/// \p{..} would see a letter or digit outside the BMP (𝐇, 𠀀, 𝟏) as two surrogates, so classes
/// with \p{..} and negated classes get an alternative for surrogate pairs of the right categories.
/// (2) JavaScript's \s has U+FEFF and not U+0085. (3) The reference spells Qwen/Llama 3's
/// "(?i:'s|...)" group with explicit letter pairs (.NET's ignore-case would also match 'ſ' and 'K').
/// </summary>
static class JsRegex
{
    const string JsWhitespace = @"\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";
    const string AnyPair = @"[\uD800-\uDBFF][\uDC00-\uDFFF]";

    static readonly (string From, string To)[] Rewrites =
    [
        ("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "(?:'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))"),
    ];

    static readonly Dictionary<string, string> AstralAlternatives = new(StringComparer.Ordinal);

    public static Regex Create(string pattern)
    {
        string source = pattern;
        foreach (var (from, to) in Rewrites) source = source.Replace(from, to, StringComparison.Ordinal);
        try
        {
            return new Regex(Translate(source), RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"tokenizer.json: regex '{pattern}' is not supported ({e.Message})");
        }
    }

    public static Regex Literal(string text) => new(Regex.Escape(text), RegexOptions.CultureInvariant);

    static string Translate(string pattern)
    {
        var result = new StringBuilder(pattern.Length * 2);
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '[')
            {
                int end = ClassEnd(pattern, i);
                result.Append(TranslateClass(pattern[(i + 1)..end]));
                i = end;
            }
            else if (c == '\\' && i + 1 < pattern.Length)
            {
                char escaped = pattern[++i];
                if (escaped is 'p' or 'P')
                {
                    string name = PropertyName(pattern, ref i);
                    result.Append(escaped == 'p' ? $"(?:\\p{{{name}}}|{Astral([name])})" : TranslateClass($"^\\p{{{name}}}"));
                }
                else if (escaped == 's') result.Append($"[{JsWhitespace}]");
                else if (escaped == 'S') result.Append(TranslateClass(@"^\s"));
                else result.Append(c).Append(escaped);
            }
            else result.Append(c);
        }
        return result.ToString();
    }

    /// <summary>A class body ("^..." when negated) as a .NET expression matching one code point.</summary>
    static string TranslateClass(string body)
    {
        bool negated = body.StartsWith('^');
        var content = new StringBuilder();
        var categories = new List<string>();
        for (int i = negated ? 1 : 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 >= body.Length)
            {
                content.Append(body[i]);
                continue;
            }
            char escaped = body[++i];
            if (escaped == 'p')
            {
                string name = PropertyName(body, ref i);
                categories.Add(name);
                content.Append($"\\p{{{name}}}");
            }
            else if (escaped == 's') content.Append(JsWhitespace);
            else if (escaped is 'S' or 'P') throw new InvalidDataException($"tokenizer.json: regex class [{body}]: \\{escaped} inside [...] is not supported");
            else content.Append('\\').Append(escaped);
        }
        if (negated)
        {
            string pairs = categories.Count == 0 ? AnyPair : $"(?!{Astral(categories)}){AnyPair}";
            return $"(?:[^{content}\\uD800-\\uDFFF]|{pairs})";
        }
        return categories.Count == 0 ? $"[{content}]" : $"(?:[{content}]|{Astral(categories)})";
    }

    static int ClassEnd(string pattern, int open)
    {
        for (int i = open + 1; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\') i++;
            else if (pattern[i] == ']' && i > open + 1 && !(i == open + 2 && pattern[open + 1] == '^')) return i;
        }
        throw new InvalidDataException($"tokenizer.json: regex '{pattern}': '[' at {open} is never closed");
    }

    static string PropertyName(string pattern, ref int i)
    {
        if (i + 1 >= pattern.Length || pattern[i + 1] != '{') throw new InvalidDataException($"tokenizer.json: regex '{pattern}': \\p without {{name}}");
        int close = pattern.IndexOf('}', i);
        string name = pattern[(i + 2)..close];
        i = close;
        return name;
    }

    /// <summary>An alternation matching the surrogate pairs of the code points above U+FFFF in any of the categories.</summary>
    static string Astral(IReadOnlyList<string> names)
    {
        string key = string.Join(",", names);
        lock (AstralAlternatives)
        {
            if (AstralAlternatives.TryGetValue(key, out var cached)) return cached;
            var wanted = names.SelectMany(Categories).ToHashSet();
            var alternatives = new List<string>();
            for (int high = 0xD800; high <= 0xDBFF; high++)
            {
                var lows = new StringBuilder();
                int? runStart = null;
                for (int low = 0xDC00; low <= 0xE000; low++)
                {
                    bool match = low < 0xE000 && wanted.Contains(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32((char)high, (char)low)));
                    if (match && runStart is null) runStart = low;
                    if (!match && runStart is { } start)
                    {
                        lows.Append(low - 1 == start ? $"\\u{start:X4}" : $"\\u{start:X4}-\\u{low - 1:X4}");
                        runStart = null;
                    }
                }
                if (lows.Length > 0) alternatives.Add($"\\u{high:X4}[{lows}]");
            }
            string result = alternatives.Count == 0 ? "(?!)" : "(?:" + string.Join("|", alternatives) + ")";
            AstralAlternatives[key] = result;
            return result;
        }
    }

    static IEnumerable<UnicodeCategory> Categories(string name)
    {
        var all = Enum.GetValues<UnicodeCategory>();
        string[] codes = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co",
            "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Cn"];
        // UnicodeCategory's values are in this order (UppercaseLetter = 0 ... OtherNotAssigned = 29).
        var matching = all.Where(category => codes[(int)category] == name || name.Length == 1 && codes[(int)category][0] == name[0]).ToList();
        return matching.Count > 0 ? matching : throw new InvalidDataException($"tokenizer.json: regex property \\p{{{name}}} is not supported (only general categories)");
    }
}
