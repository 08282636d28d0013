using System.Globalization;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>
/// The layout <c>runs/{run}/{kind}/{version}/</c> and the rules for its segments. Run ids and kinds
/// become folder and blob names, so they are restricted to a safe alphabet: no separators, no "..",
/// no leading "." (names starting with "." are the stores' own scratch folders).
/// </summary>
internal static class CheckpointNames
{
    public const string ManifestFileName = "manifest.json";
    private const int MaxSegmentLength = 128;

    public static void Validate(string runId, string kind, int version)
    {
        ValidateSegment(runId, nameof(runId), "run id");
        ValidateSegment(kind, nameof(kind), "checkpoint kind");
        ArgumentOutOfRangeException.ThrowIfNegative(version);
    }

    public static void Validate(string runId) => ValidateSegment(runId, nameof(runId), "run id");

    /// <summary>"runs/{run}/".</summary>
    public static string RunPrefix(string runId) => $"runs/{runId}/";

    public static void Validate(string runId, string kind)
    {
        ValidateSegment(runId, nameof(runId), "run id");
        ValidateSegment(kind, nameof(kind), "checkpoint kind");
    }

    /// <summary>"runs/{run}/{kind}/", with '/' separators (a blob prefix; folders use the same segments).</summary>
    public static string KindPrefix(string runId, string kind) => $"runs/{runId}/{kind}/";

    public static string VersionName(int version) => version.ToString(CultureInfo.InvariantCulture);

    public static string VersionPrefix(string runId, string kind, int version) => KindPrefix(runId, kind) + VersionName(version) + "/";

    public static string Describe(string runId, string kind, int version) => $"checkpoint {runId}/{kind}/{version}";

    /// <summary>A version folder's name back to its number; only the canonical form counts ("7", not "07").</summary>
    public static bool TryParseVersion(string name, out int version) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out version) && VersionName(version) == name;

    private static void ValidateSegment(string value, string parameterName, string what)
    {
        var valid = !string.IsNullOrEmpty(value)
                    && value.Length <= MaxSegmentLength
                    && value[0] != '.'
                    && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
        if (!valid)
            throw new ArgumentException(
                $"{what} '{value}' cannot name a checkpoint folder: use 1-{MaxSegmentLength} ASCII letters, digits, '-', '_' or '.', not starting with '.'",
                parameterName);
    }
}
