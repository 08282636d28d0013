using System.Security.Cryptography;

namespace RlhfPlatform.Storage.Checkpoints;

/// <summary>Stream copies that hash what they copy, so verifying costs no extra read.</summary>
internal static class Sha256Copy
{
    private const int BufferSize = 1 << 20;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>; returns the sha256 (hex) and length of the bytes copied.</summary>
    public static async Task<(string Sha256, long Length)> CopyAsync(Stream source, Stream destination, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long length = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            await destination.WriteAsync(buffer.AsMemory(0, read), ct);
            length += read;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }

    public static async Task<string> HashFileAsync(string path, CancellationToken ct)
    {
        await using var stream = OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct));
    }

    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);

    public static FileStream CreateNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
}
