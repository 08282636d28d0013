using System.Globalization;
using System.Text;

namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

/// <summary>A name the template reads but nobody defined: falsy, renders as "", "is defined" is false.</summary>
sealed class Undefined
{
    public static readonly Undefined Instance = new();
}

/// <summary>Jinja's namespace(): the one object a template may change from inside a loop.</summary>
sealed class Namespace(Dictionary<string, object?> attributes)
{
    public Dictionary<string, object?> Attributes => attributes;
}

delegate object? Callable(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs);

/// <summary>
/// Template values are C# objects with Python's meaning: null is None, long and double are numbers,
/// List&lt;object?&gt; is a list, Dictionary&lt;string, object?&gt; a dict. These helpers give them
/// Python's truthiness, equality, ordering, str() and json.dumps().
/// </summary>
static class TemplateValues
{
    public static bool Truthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    public static string Str(object? value) => value switch
    {
        null => "None",
        Undefined => "",
        string s => s,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat(d),
        _ => Repr(value),
    };

    static string Repr(object? value) => value switch
    {
        string s => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'",
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        Dictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(kv => $"{Repr(kv.Key)}: {Repr(kv.Value)}")) + "}",
        _ => Str(value),
    };

    static string PythonFloat(double d) =>
        d == Math.Floor(d) && Math.Abs(d) < 1e16 ? d.ToString("0.0", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);

    public static bool AreEqual(object? a, object? b) => (a, b) switch
    {
        (null or Undefined, null or Undefined) => a?.GetType() == b?.GetType(),
        (long or double or bool, long or double or bool) => ToDouble(a) == ToDouble(b),
        (string x, string y) => x == y,
        (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => AreEqual(p.First, p.Second)),
        (Dictionary<string, object?> x, Dictionary<string, object?> y) =>
            x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var other) && AreEqual(kv.Value, other)),
        _ => ReferenceEquals(a, b),
    };

    public static int Compare(object? a, object? b) => (a, b) switch
    {
        (long or double or bool, long or double or bool) => ToDouble(a).CompareTo(ToDouble(b)),
        (string x, string y) => string.CompareOrdinal(x, y),
        _ => throw new InvalidDataException($"chat template: cannot compare {TypeName(a)} with {TypeName(b)}"),
    };

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new InvalidDataException($"chat template: {TypeName(value)} is not a number"),
    };

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        Undefined => "undefined",
        string => "string",
        bool => "boolean",
        long => "integer",
        double => "float",
        List<object?> => "list",
        Dictionary<string, object?> => "dict",
        _ => value.GetType().Name,
    };

    /// <summary>The items a for loop visits: a list's items, a dict's keys, a string's characters.</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        Dictionary<string, object?> dict => dict.Keys.Cast<object?>().ToList(),
        string s => s.Select(c => (object?)c.ToString()).ToList(),
        null or Undefined => [],
        _ => throw new InvalidDataException($"chat template: cannot iterate over {TypeName(value)}"),
    };

    /// <summary>Python's json.dumps(value, ensure_ascii=False, indent=indent), which HF's tojson filter calls.</summary>
    public static string ToJson(object? value, int? indent)
    {
        var json = new StringBuilder();
        WriteJson(json, value, indent, 0);
        return json.ToString();
    }

    static void WriteJson(StringBuilder json, object? value, int? indent, int depth)
    {
        string Newline(int level) => indent is { } n ? "\n" + new string(' ', n * level) : "";
        string separator = indent is null ? ", " : ",";
        switch (value)
        {
            case null or Undefined: json.Append("null"); break;
            case bool b: json.Append(b ? "true" : "false"); break;
            case long or double: json.Append(Str(value)); break;
            case string s: WriteJsonString(json, s); break;
            case List<object?> list when list.Count == 0: json.Append("[]"); break;
            case Dictionary<string, object?> dict when dict.Count == 0: json.Append("{}"); break;
            case List<object?> list:
                json.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) json.Append(separator);
                    json.Append(Newline(depth + 1));
                    WriteJson(json, list[i], indent, depth + 1);
                }
                json.Append(Newline(depth)).Append(']');
                break;
            case Dictionary<string, object?> dict:
                json.Append('{');
                bool first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first) json.Append(separator);
                    first = false;
                    json.Append(Newline(depth + 1));
                    WriteJsonString(json, key);
                    json.Append(": ");
                    WriteJson(json, item, indent, depth + 1);
                }
                json.Append(Newline(depth)).Append('}');
                break;
            default: WriteJsonString(json, Str(value)); break;
        }
    }

    static void WriteJsonString(StringBuilder json, string s)
    {
        json.Append('"');
        foreach (char c in s)
        {
            json.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        json.Append('"');
    }

    /// <summary>Converts JSON-like .NET data (strings, numbers, lists, dictionaries) into template values.</summary>
    public static object? From(object? value) => value switch
    {
        null => null,
        string or bool or long or double => value,
        int i => (long)i,
        float f => (double)f,
        System.Text.Json.Nodes.JsonNode node => FromJson(node),
        IDictionary<string, object?> dict => dict.ToDictionary(kv => kv.Key, kv => From(kv.Value)),
        IDictionary<string, string> dict => dict.ToDictionary(kv => kv.Key, kv => (object?)kv.Value),
        System.Collections.IEnumerable items => items.Cast<object?>().Select(From).ToList(),
        _ => value,
    };

    static object? FromJson(System.Text.Json.Nodes.JsonNode node) => node switch
    {
        System.Text.Json.Nodes.JsonObject o => o.ToDictionary(kv => kv.Key, kv => kv.Value is null ? null : FromJson(kv.Value)),
        System.Text.Json.Nodes.JsonArray a => a.Select(item => item is null ? null : FromJson(item)).ToList(),
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out string? s) => s,
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out bool b) => b,
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out long l) => l,
        System.Text.Json.Nodes.JsonValue v when v.TryGetValue(out double d) => d,
        _ => node.ToJsonString(),
    };
}
