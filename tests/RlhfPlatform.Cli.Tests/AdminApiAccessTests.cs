using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>Keys and roles on a real `rlhf serve`: who may start it, who may read, who may submit; no secret ever shown.</summary>
public sealed class AdminApiAccessTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-access-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string Out => Path.Combine(folder, "out");

    const string ApiKeyVariable = "RLHF_API_KEY";

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    static HttpRequestMessage Request(HttpMethod method, string path, string? key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (key != null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    [Fact]
    public async Task ServeRefusesToStartWithoutAKeyAndInsecureModeOffLoopback()
    {
        string url = $"http://127.0.0.1:{ServedPlatform.FreePort()}";
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["serve", "--urls", url, "--out", Out]);
        Assert.Equal(1, exit);
        Assert.Contains("no API key", stderr);
        Assert.Contains("rlhf keys create --role operator", stderr);

        var (openExit, _, openErr) = await RlhfProcess.RunAsync(["serve", "--urls", $"http://0.0.0.0:{ServedPlatform.FreePort()}", "--out", Out, "--insecure-no-auth"]);
        Assert.Equal(1, openExit);
        Assert.Contains("--insecure-no-auth is accepted only on a loopback address", openErr);

        // A revoked key is no key.
        await ServedPlatform.CreateKeyAsync(Out, "operator");
        var (listExit, listOut, _) = await RlhfProcess.RunAsync(["keys", "list", "--json", "--out", Out]);
        Assert.Equal(0, listExit);
        string id = JsonDocument.Parse(listOut).RootElement.EnumerateArray().Single().GetProperty("id").GetString()!;
        Assert.Equal(0, (await RlhfProcess.RunAsync(["keys", "revoke", id, "--out", Out])).ExitCode);
        Assert.Equal(3, (await RlhfProcess.RunAsync(["keys", "revoke", id, "--out", Out])).ExitCode);
        var (revokedExit, _, revokedErr) = await RlhfProcess.RunAsync(["serve", "--urls", url, "--out", Out]);
        Assert.Equal(1, revokedExit);
        Assert.Contains("no API key", revokedErr);
    }

    [Fact]
    public async Task KeysAreManagedThroughTheApiByOperatorsOnlyAndANewKeyIsShownOnceOnly()
    {
        string operatorKey = await ServedPlatform.CreateKeyAsync(Out, "operator", "ci");
        string readerKey = await ServedPlatform.CreateKeyAsync(Out, "reader", "viewer");
        await using var platform = await ServedPlatform.StartAsync(Out, key: operatorKey);
        Dictionary<string, string> As(string key) => new() { [ApiKeyVariable] = key };

        // Only an operator creates, lists and revokes keys: a reader is 403 (exit 4), no key 401 (exit 4), and nothing is created.
        var (readerExit, readerOut, readerErr) = await RlhfProcess.RunAsync(["keys", "create", "--role", "operator", "--name", "sneaky", "--api", platform.Url], As(readerKey));
        Assert.Equal(4, readerExit);
        Assert.Equal("", readerOut);
        Assert.Contains("role may not", readerErr);
        Assert.Equal(4, (await RlhfProcess.RunAsync(["keys", "list", "--api", platform.Url])).ExitCode);
        using var http = new HttpClient { BaseAddress = new Uri(platform.Url) };
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(Request(HttpMethod.Get, "/api/keys", readerKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Request(HttpMethod.Get, "/api/keys", null))).StatusCode);

        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["keys", "create", "--role", "reader", "--name", "dashboard", "--api", platform.Url], As(operatorKey));
        Assert.True(exit == 0, stderr);
        string created = stdout.Trim();
        Assert.StartsWith("rlhf_", created);
        Assert.DoesNotContain(created, stderr);
        string createdId = created.Split('_')[1];
        Assert.Contains($"created reader key {createdId} (dashboard)", stderr);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(Request(HttpMethod.Get, "/api/runs", created))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(Request(HttpMethod.Post, "/api/runs", created, Json("{}")))).StatusCode);

        // The list names every key (id, name, role) and holds none of them.
        var (listExit, listOut, listErr) = await RlhfProcess.RunAsync(["keys", "list", "--json", "--api", platform.Url], As(operatorKey));
        Assert.True(listExit == 0, listErr);
        var listed = JsonDocument.Parse(listOut).RootElement.EnumerateArray().ToDictionary(k => k.GetProperty("name").GetString()!);
        Assert.Equal(["ci", "dashboard", "viewer"], listed.Keys.Order());
        Assert.Equal(createdId, listed["dashboard"].GetProperty("id").GetString());
        Assert.Equal("reader", listed["dashboard"].GetProperty("role").GetString());
        foreach (string secret in new[] { operatorKey, readerKey, created }.Select(k => k.Split('_', 3)[2]))
            Assert.DoesNotContain(secret, listOut);

        // The API's answer: the key once, not to be cached; a bad role is named.
        using var direct = await http.SendAsync(Request(HttpMethod.Post, "/api/keys", operatorKey, Json("""{ "role": "operator", "name": "direct" }""")));
        Assert.Equal(HttpStatusCode.Created, direct.StatusCode);
        Assert.Equal("no-store", direct.Headers.CacheControl?.ToString());
        string directKey = (await direct.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var badRole = await http.SendAsync(Request(HttpMethod.Post, "/api/keys", operatorKey, Json("""{ "role": "admin" }""")));
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("role must be reader or operator", await badRole.Content.ReadAsStringAsync());

        // Revoked through the API: 401 from then on; revoking again is "not found" (exit 3).
        var (revokeExit, revokeOut, revokeErr) = await RlhfProcess.RunAsync(["keys", "revoke", createdId, "--api", platform.Url], As(operatorKey));
        Assert.True(revokeExit == 0, revokeErr);
        Assert.Equal($"revoked {createdId}", revokeOut.Trim());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(Request(HttpMethod.Get, "/api/runs", created))).StatusCode);
        Assert.Equal(3, (await RlhfProcess.RunAsync(["keys", "revoke", createdId, "--api", platform.Url], As(operatorKey))).ExitCode);

        // The server never logged a key.
        foreach (string key in new[] { operatorKey, readerKey, created, directKey })
        {
            Assert.DoesNotContain(key.Split('_', 3)[2], platform.Stdout);
            Assert.DoesNotContain(key.Split('_', 3)[2], platform.Stderr);
        }
    }

    [Fact]
    public async Task ReadersReadOperatorsSubmitAndCancelAndNoKeyIsEverShown()
    {
        string operatorKey = await ServedPlatform.CreateKeyAsync(Out, "operator", "ci");
        string readerKey = await ServedPlatform.CreateKeyAsync(Out, "reader", "viewer");
        Assert.NotEqual(operatorKey, readerKey);
        await using var platform = await ServedPlatform.StartAsync(Out, key: operatorKey);
        using var http = new HttpClient { BaseAddress = new Uri(platform.Url) };

        foreach (string? key in new[] { null, "rlhf_0011223344556677_wrong", "not-a-key", operatorKey + "x" })
        {
            using var refused = await http.SendAsync(Request(HttpMethod.Get, "/api/runs", key));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        }
        using (var healthz = await http.GetAsync("/api/healthz")) Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);

        using (var read = await http.SendAsync(Request(HttpMethod.Get, "/api/runs", readerKey))) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var forbidden = await http.SendAsync(Request(HttpMethod.Post, "/api/runs", readerKey, Json(TinySpecs.Run("denied", "access")))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
            Assert.Contains("operator", (await forbidden.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        using (var forbidden = await http.SendAsync(Request(HttpMethod.Post, "/api/experiments", readerKey, Json("{}"))))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        using var created = await http.SendAsync(Request(HttpMethod.Post, "/api/runs", operatorKey, Json(TinySpecs.Run("allowed", "access").Replace("\"steps\": 2,", "\"steps\": 500,"))));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string runId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using (var read = await http.SendAsync(Request(HttpMethod.Get, $"/api/runs/{runId}", readerKey))) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var forbidden = await http.SendAsync(Request(HttpMethod.Post, $"/api/runs/{runId}/cancel", readerKey)))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using (var unknown = await http.SendAsync(Request(HttpMethod.Post, $"/api/runs/{runId}/cancel", null)))
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        // The CLI's remote mode: the key from RLHF_API_KEY; exit 4 for no or wrong key, 3 for an unknown run.
        var asReader = new Dictionary<string, string> { ["RLHF_API_KEY"] = readerKey };
        Assert.Equal(4, (await RlhfProcess.RunAsync(["runs", "--api", platform.Url])).ExitCode);
        Assert.Equal(0, (await RlhfProcess.RunAsync(["runs", "--api", platform.Url], asReader)).ExitCode);
        Assert.Equal(3, (await RlhfProcess.RunAsync(["status", "no-such-run", "--api", platform.Url], asReader)).ExitCode);
        var (cancelExit, _, cancelErr) = await RlhfProcess.RunAsync(["cancel", runId, "--api", platform.Url], asReader);
        Assert.Equal(4, cancelExit);
        Assert.DoesNotContain(readerKey, cancelErr);
        var (okCancel, _, okErr) = await RlhfProcess.RunAsync(["cancel", runId, "--api", platform.Url], new Dictionary<string, string> { ["RLHF_API_KEY"] = operatorKey });
        Assert.True(okCancel == 0, okErr);

        // Revoked: 401 from then on.
        var (listExit, listOut, _) = await RlhfProcess.RunAsync(["keys", "list", "--json", "--out", Out]);
        Assert.Equal(0, listExit);
        string readerId = JsonDocument.Parse(listOut).RootElement.EnumerateArray().Single(k => k.GetProperty("role").GetString() == "reader").GetProperty("id").GetString()!;
        Assert.Equal(0, (await RlhfProcess.RunAsync(["keys", "revoke", readerId, "--out", Out])).ExitCode);
        using (var revoked = await http.SendAsync(Request(HttpMethod.Get, "/api/runs", readerKey))) Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);

        // No secret in the store, the key listing or the server's output.
        var storeBytes = Directory.GetFiles(Out, "runs.db*").SelectMany(File.ReadAllBytes).ToArray();
        foreach (string key in new[] { operatorKey, readerKey })
        {
            string secret = key[(key.LastIndexOf('_') + 1)..];
            Assert.DoesNotContain(secret, listOut);
            Assert.DoesNotContain(secret, platform.Stdout + platform.Stderr);
            Assert.False(Encoding.ASCII.GetString(storeBytes).Contains(secret, StringComparison.Ordinal), "the run store holds a key's secret");
        }
    }
}
