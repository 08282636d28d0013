using System.Globalization;
using System.Text.RegularExpressions;

namespace RlhfPlatform.Cli.Plan;

/// <summary>Byte counts as people write them: "80GB" (decimal units), "80GiB" (binary), or plain bytes.</summary>
public static partial class ByteSize
{
    public static long Parse(string text)
    {
        var match = Pattern().Match(text.Trim());
        if (!match.Success || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0)
            throw new ArgumentException($"--device-memory '{text}' is not a size (e.g. 80GB, 141GB, 24GiB)");
        double unit = match.Groups[2].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "TB" => 1e12,
            "KIB" => 1L << 10, "MIB" => 1L << 20, "GIB" => 1L << 30, "TIB" => 1L << 40,
            _ => throw new ArgumentException($"--device-memory '{text}': unknown unit '{match.Groups[2].Value}'"),
        };
        return checked((long)(value * unit));
    }

    /// <summary>"12.3 GiB", "456.0 MiB", "789 B".</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("F1", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$")]
    private static partial Regex Pattern();
}
