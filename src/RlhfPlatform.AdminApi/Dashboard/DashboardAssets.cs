using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace RlhfPlatform.AdminApi.Dashboard;

/// <summary>One dashboard file: its bytes, content type and entity tag (a hash of the bytes).</summary>
public sealed record DashboardAsset(byte[] Content, string ContentType, EntityTagHeaderValue ETag);

/// <summary>
/// The dashboard's files (Dashboard/wwwroot, embedded in this assembly as "dashboard/PATH"), read once:
/// the pages, our scripts and styles, and the vendored charting library. Nothing is fetched from elsewhere.
/// </summary>
public sealed class DashboardAssets
{
    const string Prefix = "dashboard/";

    static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".txt"] = "text/plain; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    readonly FrozenDictionary<string, DashboardAsset> assets;

    DashboardAssets(FrozenDictionary<string, DashboardAsset> assets) => this.assets = assets;

    public static DashboardAssets Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, DashboardAsset>(StringComparer.Ordinal);
        foreach (string name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] content = buffer.ToArray();
            string path = name[Prefix.Length..].Replace('\\', '/');
            string type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
            var etag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
            assets[path] = new DashboardAsset(content, type, etag);
        }
        if (!assets.ContainsKey("index.html")) throw new InvalidOperationException("the dashboard's index.html is not embedded in the admin API assembly");
        return new DashboardAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <param name="path">relative to the dashboard's root, "" for its index</param>
    public DashboardAsset? Find(string path) => assets.GetValueOrDefault(path.Length == 0 ? "index.html" : path);

    public IEnumerable<string> Paths => assets.Keys;
}
