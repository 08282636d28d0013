using System.Text.RegularExpressions;

namespace RlhfPlatform.Contracts;

/// <summary>
/// A pushed data URI, "blob:data/{name}/{version}[/{file}]": a file or folder `rlhf data push` stored in
/// the checkpoint/data store (run "data", kind {name}). It resolves only inside the configured store, so
/// it needs no data root.
/// </summary>
public sealed partial record DataUri(string Name, int Version, string? File)
{
    public const string Scheme = "blob:";
    public const string StoreRun = "data";

    public static bool IsBlob(string? value) => value != null && value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    public static DataUri? TryParse(string value)
    {
        var match = Pattern().Match(value);
        if (!match.Success) return null;
        return new DataUri(match.Groups["name"].Value, int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture),
            match.Groups["file"].Success ? match.Groups["file"].Value : null);
    }

    public override string ToString() => $"{Scheme}{StoreRun}/{Name}/{Version}" + (File is null ? "" : $"/{File}");

    /// <summary>A store name: letters, digits, dot, dash, underscore; not starting with a dot.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex(@"^blob:data/(?<name>[A-Za-z0-9_-][A-Za-z0-9._-]{0,99})/(?<version>[1-9][0-9]{0,8})(/(?<file>[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();

    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")]
    private static partial Regex NamePattern();
}
