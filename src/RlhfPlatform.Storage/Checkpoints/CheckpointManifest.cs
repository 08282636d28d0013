using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>One file of a checkpoint: its path relative to the checkpoint folder ('/' separators).</summary>
internal sealed record CheckpointFile(string Path, string Sha256, long SizeBytes);

/// <summary>
/// <c>manifest.json</c>, written last: its presence is what makes a checkpoint committed, and it lists
/// every file with its sha256. It holds nothing time-dependent, so the same files give the same
/// manifest bytes, and the manifest's own sha256 identifies the checkpoint's content.
/// </summary>
internal sealed record CheckpointManifest(int Format, string RunId, string Kind, int Version, IReadOnlyList<CheckpointFile> Files)
{
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    [JsonIgnore]
    public long SizeBytes => Files.Sum(f => f.SizeBytes);

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static string Sha256Of(byte[] manifestBytes) => Convert.ToHexStringLower(SHA256.HashData(manifestBytes));

    /// <summary>Reads stored manifest bytes; anything malformed (including a file path that would
    /// leave the checkpoint folder) is a <see cref="CheckpointCorruptException"/>.</summary>
    public static CheckpointManifest Parse(byte[] bytes, string checkpoint)
    {
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(bytes, Json);
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptException($"{checkpoint}: {CheckpointNames.ManifestFileName} is not valid JSON ({e.Message})");
        }
        if (manifest is not { Format: CurrentFormat, Files: not null })
            throw new CheckpointCorruptException($"{checkpoint}: {CheckpointNames.ManifestFileName} is not a format-{CurrentFormat} manifest");
        foreach (var file in manifest.Files)
        {
            if (!IsSafeRelativePath(file.Path) || file.Sha256 is not { Length: 64 } || file.SizeBytes < 0)
                throw new CheckpointCorruptException($"{checkpoint}: {CheckpointNames.ManifestFileName} has an invalid entry for '{file.Path}'");
        }
        return manifest;
    }

    public static bool IsSafeRelativePath(string? path) =>
        !string.IsNullOrEmpty(path)
        && !path.Contains('\\')
        && path != CheckpointNames.ManifestFileName
        && path.Split('/').All(segment => segment is not ("" or "." or ".."));
}
