using System.Net;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Cli.Hosting;

/// <summary>
/// Whether `serve` may open its API: with at least one live API key, or with --insecure-no-auth
/// only where nothing but this machine can reach it (every address it binds is loopback).
/// </summary>
public static class ServeAccess
{
    /// <summary>ASP.NET's own default when neither --urls nor ASPNETCORE_URLS says where to listen.</summary>
    const string DefaultUrls = "http://localhost:5000";

    /// <exception cref="ArgumentException">the API may not start this way; the message says how to fix it</exception>
    public static async Task CheckAsync(string? urls, bool insecureNoAuth, IRunStore runStore, CancellationToken ct)
    {
        if (insecureNoAuth)
        {
            RequireLoopback(urls ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? DefaultUrls);
            return;
        }
        if (!(await runStore.ListApiKeysAsync(ct)).Any(k => k.RevokedAt == null))
            throw new ArgumentException("the run store holds no API key, so nobody could use the API: create one with " +
                "`rlhf keys create --role operator` (same store options as serve), or for a local trial start with --insecure-no-auth on a loopback address");
    }

    /// <exception cref="ArgumentException">an address is not loopback</exception>
    public static void RequireLoopback(string urls)
    {
        foreach (string url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!IsLoopback(url))
                throw new ArgumentException($"--insecure-no-auth is accepted only on a loopback address (127.0.0.1, [::1], localhost); {url} is not one");
    }

    static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri)) return false;
        if (uri.IsLoopback) return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}
