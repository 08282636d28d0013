using System.Globalization;
using static RlhfPlatform.Modeling.Tokenization.ChatTemplates.TemplateValues;

namespace RlhfPlatform.Modeling.Tokenization.ChatTemplates;

/// <summary>Operators, attribute and item access, string and dict methods, filters, tests and global functions.</summary>
static class TemplateBuiltins
{
    public static object? Operate(string op, object? left, object? right) => op switch
    {
        "==" => AreEqual(left, right),
        "!=" => !AreEqual(left, right),
        "<" => Compare(left, right) < 0,
        ">" => Compare(left, right) > 0,
        "<=" => Compare(left, right) <= 0,
        ">=" => Compare(left, right) >= 0,
        "in" => Contains(right, left),
        "~" => Str(left) + Str(right),
        "+" => (left, right) switch
        {
            (string a, string b) => a + b,
            (List<object?> a, List<object?> b) => a.Concat(b).ToList(),
            (long a, long b) => a + b,
            _ => Arithmetic(op, left, right, (a, b) => a + b),
        },
        "-" => left is long a && right is long b ? a - b : Arithmetic(op, left, right, (x, y) => x - y),
        "*" => (left, right) switch
        {
            (string s, long n) => string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, n))),
            (long a, long b) => a * b,
            _ => Arithmetic(op, left, right, (a, b) => a * b),
        },
        "/" => Arithmetic(op, left, right, (a, b) => a / b),
        "//" => left is long a && right is long b && b != 0 ? (long)Math.Floor((double)a / b) : Arithmetic(op, left, right, (x, y) => Math.Floor(x / y)),
        "%" => left is long a && right is long b && b != 0 ? ((a % b) + b) % b : Arithmetic(op, left, right, (x, y) => x - y * Math.Floor(x / y)),
        _ => throw new InvalidDataException($"chat template: unknown operator '{op}'"),
    };

    static object Arithmetic(string op, object? left, object? right, Func<double, double, double> apply)
    {
        if (left is not (long or double or bool) || right is not (long or double or bool))
            throw new InvalidDataException($"chat template: cannot apply '{op}' to {TypeName(left)} and {TypeName(right)}");
        return apply(ToDouble(left), ToDouble(right));
    }

    static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string part ? s.Contains(part, StringComparison.Ordinal) : throw new InvalidDataException("chat template: 'in <string>' needs a string"),
        List<object?> list => list.Any(x => AreEqual(x, item)),
        Dictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        Namespace ns => item is string key && ns.Attributes.ContainsKey(key),
        null or Undefined => false,
        _ => throw new InvalidDataException($"chat template: cannot look inside {TypeName(container)}"),
    };

    public static object? GetAttribute(object? target, string name) => target switch
    {
        Dictionary<string, object?> dict when dict.TryGetValue(name, out var value) => value,
        Dictionary<string, object?> dict => DictMethod(dict, name),
        Namespace ns => ns.Attributes.TryGetValue(name, out var value) ? value : Undefined.Instance,
        string s => StringMethod(s, name),
        _ => Undefined.Instance,
    };

    public static object? GetItem(object? target, object? key) => (target, key) switch
    {
        (Dictionary<string, object?> dict, string k) => dict.TryGetValue(k, out var value) ? value : Undefined.Instance,
        (Namespace ns, string k) => ns.Attributes.TryGetValue(k, out var value) ? value : Undefined.Instance,
        (List<object?> list, long i) => i >= -list.Count && i < list.Count ? list[(int)(i < 0 ? i + list.Count : i)] : Undefined.Instance,
        (string s, long i) => i >= -s.Length && i < s.Length ? s[(int)(i < 0 ? i + s.Length : i)].ToString() : Undefined.Instance,
        (null or Undefined, _) => Undefined.Instance,
        (_, string k) => GetAttribute(target, k),
        _ => throw new InvalidDataException($"chat template: cannot index {TypeName(target)} with {TypeName(key)}"),
    };

    public static object? GetSlice(object? target, object? start, object? stop, object? step)
    {
        var items = target switch
        {
            List<object?> list => list,
            string s => s.Select(c => (object?)c.ToString()).ToList(),
            _ => throw new InvalidDataException($"chat template: cannot slice {TypeName(target)}"),
        };
        int n = items.Count, by = step is null ? 1 : (int)ToDouble(step);
        if (by == 0) throw new InvalidDataException("chat template: slice step cannot be zero");
        int Bound(object? value, int whenNull)
        {
            if (value is null) return whenNull;
            int i = (int)ToDouble(value);
            if (i < 0) i += n;
            return by > 0 ? Math.Clamp(i, 0, n) : Math.Clamp(i, -1, n - 1);
        }
        int from = Bound(start, by > 0 ? 0 : n - 1), to = Bound(stop, by > 0 ? n : -1);
        var result = new List<object?>();
        for (int i = from; by > 0 ? i < to : i > to; i += by) result.Add(items[i]);
        return target is string ? string.Concat(result.Select(Str)) : result;
    }

    static Callable Method(Func<IReadOnlyList<object?>, object?> body) => (args, _) => body(args);

    static object? StringMethod(string s, string name) => name switch
    {
        "strip" => Method(a => a.Count > 0 && a[0] is string chars ? s.Trim(chars.ToCharArray()) : s.Trim()),
        "lstrip" => Method(a => a.Count > 0 && a[0] is string chars ? s.TrimStart(chars.ToCharArray()) : s.TrimStart()),
        "rstrip" => Method(a => a.Count > 0 && a[0] is string chars ? s.TrimEnd(chars.ToCharArray()) : s.TrimEnd()),
        "startswith" => Method(a => Prefixes(a).Any(p => s.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => Method(a => Prefixes(a).Any(p => s.EndsWith(p, StringComparison.Ordinal))),
        "upper" => Method(_ => s.ToUpperInvariant()),
        "lower" => Method(_ => s.ToLowerInvariant()),
        "title" => Method(_ => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(s.ToLowerInvariant())),
        "capitalize" => Method(_ => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant()),
        "replace" => Method(a => s.Replace(Str(a[0]), Str(a[1]), StringComparison.Ordinal)),
        "find" => Method(a => (long)s.IndexOf(Str(a[0]), StringComparison.Ordinal)),
        "join" => Method(a => string.Join(s, Iterate(a[0]).Select(Str))),
        "split" => Method(a => (a.Count > 0 && a[0] is string separator
            ? s.Split(separator)
            : s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).Select(p => (object?)p).ToList()),
        _ => Undefined.Instance,
    };

    static IEnumerable<string> Prefixes(IReadOnlyList<object?> args) => args.Count == 0 ? [] : args[0] switch
    {
        List<object?> options => options.Select(Str),
        var single => [Str(single)],
    };

    static object? DictMethod(Dictionary<string, object?> dict, string name) => name switch
    {
        "get" => Method(a => a.Count > 0 && a[0] is string key && dict.TryGetValue(key, out var v) ? v : a.Count > 1 ? a[1] : null),
        "items" => Method(_ => dict.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList()),
        "keys" => Method(_ => dict.Keys.Select(k => (object?)k).ToList()),
        "values" => Method(_ => dict.Values.ToList()),
        _ => Undefined.Instance,
    };

    public static object? ApplyFilter(string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        object? Arg(int i, string key, object? fallback) => args.Count > i ? args[i] : kwargs.TryGetValue(key, out var v) ? v : fallback;
        return name switch
        {
            "trim" => Arg(0, "chars", null) is string chars ? Str(value).Trim(chars.ToCharArray()) : Str(value).Trim(),
            "length" or "count" => value switch
            {
                string s => (long)s.Length,
                List<object?> list => (long)list.Count,
                Dictionary<string, object?> dict => (long)dict.Count,
                _ => throw new InvalidDataException($"chat template: {TypeName(value)} has no length"),
            },
            "upper" => Str(value).ToUpperInvariant(),
            "lower" => Str(value).ToLowerInvariant(),
            "capitalize" => StringMethod(Str(value), "capitalize") is Callable c ? c([], Empty) : null,
            "title" => StringMethod(Str(value), "title") is Callable t ? t([], Empty) : null,
            "string" => Str(value),
            "safe" or "e" or "escape" => value,
            "int" => value is string text ? long.TryParse(text.Trim(), out long parsed) ? parsed : 0L : (long)ToDouble(value),
            "float" => value is string text ? double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : 0.0 : ToDouble(value),
            "abs" => value is long l ? Math.Abs(l) : Math.Abs(ToDouble(value)),
            "tojson" => ToJson(value, Arg(0, "indent", null) is long indent ? (int)indent : null),
            "first" => Iterate(value) is { Count: > 0 } items ? items[0] : Undefined.Instance,
            "last" => Iterate(value) is { Count: > 0 } items ? items[^1] : Undefined.Instance,
            "list" => Iterate(value),
            "reverse" => value is string s ? new string(s.Reverse().ToArray()) : Enumerable.Reverse(Iterate(value)).ToList(),
            "join" => string.Join(Str(Arg(0, "d", "")), Iterate(value).Select(Str)),
            "replace" => Str(value).Replace(Str(Arg(0, "old", "")), Str(Arg(1, "new", "")), StringComparison.Ordinal),
            "default" or "d" => value is Undefined || Truthy(Arg(1, "boolean", false)) && !Truthy(value) ? Arg(0, "default_value", "") : value,
            "items" => value is Dictionary<string, object?> dict
                ? dict.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList()
                : throw new InvalidDataException($"chat template: {TypeName(value)} has no items"),
            "map" => Arg(0, "attribute", null) is string attribute
                ? Iterate(value).Select(item => GetAttribute(item, attribute)).ToList()
                : Iterate(value).Select(item => ApplyFilter(Str(args[0]), item, args.Skip(1).ToList(), Empty)).ToList(),
            "selectattr" or "rejectattr" => Iterate(value).Where(item =>
                {
                    var attribute = GetAttribute(item, Str(args[0]));
                    bool passes = args.Count > 1 ? ApplyTest(Str(args[1]), attribute, args.Skip(2).ToList()) : Truthy(attribute);
                    return passes == (name == "selectattr");
                }).ToList(),
            "unique" => Iterate(value).Aggregate(new List<object?>(), (kept, item) => { if (!kept.Any(k => AreEqual(k, item))) kept.Add(item); return kept; }),
            _ => throw new InvalidDataException($"chat template: the '{name}' filter is not supported"),
        };
    }

    static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    public static bool ApplyTest(string name, object? value, IReadOnlyList<object?> args) => name switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "mapping" => value is Dictionary<string, object?> or Namespace,
        "sequence" or "iterable" => value is List<object?> or string or Dictionary<string, object?>,
        "callable" => value is Callable,
        "even" => value is long l && l % 2 == 0,
        "odd" => value is long l && l % 2 != 0,
        "divisibleby" => value is long l && args.Count > 0 && args[0] is long d && d != 0 && l % d == 0,
        "equalto" or "eq" or "==" or "sameas" => args.Count > 0 && AreEqual(value, args[0]),
        "ne" or "!=" => args.Count > 0 && !AreEqual(value, args[0]),
        "in" => args.Count > 0 && Contains(args[0], value),
        _ => throw new InvalidDataException($"chat template: the '{name}' test is not supported"),
    };

    /// <summary>Functions every template may call (HF adds raise_exception and strftime_now to Jinja's own).</summary>
    public static IEnumerable<KeyValuePair<string, object?>> Globals(Func<DateTime> now)
    {
        yield return new("raise_exception", (Callable)((args, _) =>
            throw new ChatTemplateRaisedException(args.Count > 0 ? Str(args[0]) : "raise_exception() was called")));
        yield return new("namespace", (Callable)((_, kwargs) => new Namespace(kwargs.ToDictionary(kv => kv.Key, kv => kv.Value))));
        yield return new("dict", (Callable)((_, kwargs) => kwargs.ToDictionary(kv => kv.Key, kv => kv.Value)));
        yield return new("range", (Callable)((args, _) =>
        {
            long start = args.Count > 1 ? (long)ToDouble(args[0]) : 0, stop = (long)ToDouble(args[args.Count > 1 ? 1 : 0]);
            long step = args.Count > 2 ? (long)ToDouble(args[2]) : 1;
            var result = new List<object?>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) result.Add(i);
            return result;
        }));
        yield return new("strftime_now", (Callable)((args, _) => StrFTime(now(), args.Count > 0 ? Str(args[0]) : "%Y-%m-%d")));
    }

    static string StrFTime(DateTime time, string format)
    {
        var result = new System.Text.StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length) { result.Append(format[i]); continue; }
            char code = format[++i];
            result.Append(code switch
            {
                'd' => time.ToString("dd", CultureInfo.InvariantCulture),
                'm' => time.ToString("MM", CultureInfo.InvariantCulture),
                'Y' => time.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => time.ToString("yy", CultureInfo.InvariantCulture),
                'b' => time.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => time.ToString("MMMM", CultureInfo.InvariantCulture),
                'H' => time.ToString("HH", CultureInfo.InvariantCulture),
                'M' => time.ToString("mm", CultureInfo.InvariantCulture),
                'S' => time.ToString("ss", CultureInfo.InvariantCulture),
                'A' => time.ToString("dddd", CultureInfo.InvariantCulture),
                'a' => time.ToString("ddd", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => "%" + code,
            });
        }
        return result.ToString();
    }
}
