namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>Writes one stored checkpoint file into the reader's folder, checking it against the manifest.</summary>
internal static class VerifiedCheckpointReader
{
    /// <summary>Copies <paramref name="stored"/> to <paramref name="targetFolder"/>/<c>file.Path</c>. A
    /// sha256 or size that differs from the manifest deletes the copy and throws <see cref="CheckpointCorruptException"/>.</summary>
    public static async Task CopyVerifiedAsync(Stream stored, CheckpointFile file, string targetFolder, string checkpoint, CancellationToken ct)
    {
        var target = Path.Combine(targetFolder, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        (string Sha256, long Length) copied;
        await using (var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            copied = await Sha256Copy.CopyAsync(stored, output, ct);

        if (copied.Sha256 != file.Sha256 || copied.Length != file.SizeBytes)
        {
            File.Delete(target);
            throw new CheckpointCorruptException(
                $"{checkpoint}: file '{file.Path}' has sha256 {copied.Sha256} ({copied.Length} bytes) " +
                $"but the manifest says {file.Sha256} ({file.SizeBytes} bytes)");
        }
    }
}
