using System.Text.Json;

namespace RlhfPlatform.Modeling;

/// <summary>
/// Where a JSON document is broken, without its text: System.Text.Json's messages quote the
/// offending token ("'secret' is an invalid JSON literal"), and no error may echo a data file.
/// </summary>
public static class JsonErrorText
{
    /// <summary>"not valid JSON (line 3, byte 17)".</summary>
    public static string Describe(JsonException e) => Position(e) is { Length: > 0 } where ? $"not valid JSON ({where})" : "not valid JSON";

    /// <summary>"line 3, byte 17, at $.hidden_size", or empty when the exception knows no position.</summary>
    public static string Position(JsonException e)
    {
        var where = new List<string>();
        if (e.LineNumber is { } line) where.Add($"line {line + 1}");
        if (e.BytePositionInLine is { } position) where.Add($"byte {position + 1}");
        if (!string.IsNullOrEmpty(e.Path) && e.Path != "$") where.Add($"at {e.Path}");
        return string.Join(", ", where);
    }
}
