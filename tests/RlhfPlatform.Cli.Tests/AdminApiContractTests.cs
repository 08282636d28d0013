using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace RlhfPlatform.Cli.Tests;

/// <summary>The admin API's promises on a real `rlhf serve`: problem details, bounds, paging, idempotency under load, probes, OpenAPI.</summary>
public sealed class AdminApiContractTests(ITestOutputHelper output) : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-contract-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body, string? idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        if (idempotencyKey != null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await http.SendAsync(request);
    }

    static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
    }

    [Fact]
    public async Task EveryBoundIsRefusedAtSubmissionWithAProblemNamingIt()
    {
        await using var platform = await ServedPlatform.StartAsync(Path.Combine(folder, "out"));
        var http = platform.Http;

        using (var longName = await http.PostAsync("/api/runs", Json(TinySpecs.Run(new string('n', 200), "bounds"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, longName.StatusCode);
            Assert.Contains("name", await DetailAsync(longName));
        }
        // The longest name the schema takes still makes a run id a checkpoint name accepts.
        using (var longest = await http.PostAsync("/api/runs", Json(TinySpecs.Run(new string('n', 100), "bounds"))))
            Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
        foreach (var (field, body) in new[]
        {
            ("rl.steps", TinySpecs.Run("big", "bounds").Replace("\"steps\": 2,", "\"steps\": 1000000000,")),
            ("rl.promptsPerStep", TinySpecs.Run("big", "bounds").Replace("\"promptsPerStep\": 2", "\"promptsPerStep\": 100000")),
            ("rl.samplesPerPrompt", TinySpecs.Run("big", "bounds").Replace("\"samplesPerPrompt\": 2", "\"samplesPerPrompt\": 100000")),
            ("evaluation.bestOfN", TinySpecs.Run("big", "bounds").Replace("\"bestOfN\": 2", "\"bestOfN\": 100000")),
            ("evaluation.prompts", TinySpecs.Run("big", "bounds").Replace("\"prompts\": 8", "\"prompts\": 100000000")),
        })
        {
            using var refused = await http.PostAsync("/api/runs", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(field, await DetailAsync(refused));
        }
        using (var huge = await http.PostAsync("/api/runs", Json(new string(' ', 2 << 20) + "{}")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
            Assert.Contains("larger than", await DetailAsync(huge));
        }
        using (var longKey = await PostAsync(http, "/api/runs", TinySpecs.Run("k", "bounds"), new string('k', 201)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, longKey.StatusCode);
            Assert.Contains("Idempotency-Key", await DetailAsync(longKey));
        }
        foreach (var (query, expected) in new[]
        {
            ("/api/runs?pageSize=501", "pageSize must be between 1 and 500"), ("/api/runs?page=0", "page must be at least 1"),
            ("/api/runs?status=lost", "status must be one of"),
        })
        {
            using var refused = await http.GetAsync(query);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(expected, await DetailAsync(refused));
        }
        // A value the binder cannot read goes through the exception handler: still problem details, nothing internal.
        using (var unreadable = await http.GetAsync("/api/runs?page=abc"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
            Assert.Equal("application/problem+json", unreadable.Content.Headers.ContentType?.MediaType);
            string text = await unreadable.Content.ReadAsStringAsync();
            Assert.DoesNotContain("   at ", text);
            Assert.DoesNotContain("Exception", text);
        }
        using (var unknownRoute = await http.GetAsync("/api/nothing-here"))
            Assert.Equal(HttpStatusCode.NotFound, unknownRoute.StatusCode);
    }

    [Fact]
    public async Task SameIdempotencyKeyGivesTheSameRunAndAnotherBodyIsAConflict()
    {
        await using var platform = await ServedPlatform.StartAsync(Path.Combine(folder, "out"));
        var http = platform.Http;
        string body = TinySpecs.Run("once", "idem");

        using var first = await PostAsync(http, "/api/runs", body, "key-1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var retry = await PostAsync(http, "/api/runs", body, "key-1");
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString(),
            (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());
        using var other = await PostAsync(http, "/api/runs", TinySpecs.Run("twice", "idem"), "key-1");
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Contains("another request body", await DetailAsync(other));
        // A run spec posted as an experiment is refused before its key is looked at.
        using var onExperiments = await PostAsync(http, "/api/experiments", body, "key-1");
        Assert.Equal(HttpStatusCode.BadRequest, onExperiments.StatusCode);

        // A refused body does not use the key up.
        using var refused = await PostAsync(http, "/api/runs", """{"name": 5}""", "key-2");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var afterRefusal = await PostAsync(http, "/api/runs", body, "key-2");
        Assert.Equal(HttpStatusCode.Created, afterRefusal.StatusCode);

        var runs = await http.GetFromJsonAsync<JsonElement>("/api/runs?experiment=idem");
        Assert.Equal(2, runs.GetArrayLength());
    }

    [Fact]
    public async Task TwoHundredConcurrentSubmissionsHalfOfThemRetriesRecordExactlyOneHundredRuns()
    {
        await using var platform = await ServedPlatform.StartAsync(Path.Combine(folder, "out"));
        var http = platform.Http;
        // rl/sft steps 0 and no Best-of-N: the 100 runs queue little work behind the submissions.
        string Body(int i) => TinySpecs.Run($"load-{i}", "load").Replace("\"steps\": 4", "\"steps\": 0").Replace("\"steps\": 2,", "\"steps\": 0,");
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        async Task<(int Key, HttpStatusCode Status, string RunId)> SubmitAsync(int key)
        {
            var clock = Stopwatch.StartNew();
            using var response = await PostAsync(http, "/api/runs", Body(key), $"load-key-{key}");
            latencies.Add(clock.Elapsed.TotalMilliseconds);
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, text);
            return (key, response.StatusCode, JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!);
        }
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => SubmitAsync(i % 100))));

        foreach (var perKey in answers.GroupBy(a => a.Key))
        {
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Created], perKey.Select(a => a.Status).Order());
            Assert.Single(perKey.Select(a => a.RunId).Distinct());
        }
        using var list = await http.GetAsync("/api/runs?experiment=load&pageSize=500");
        Assert.Equal("100", list.Headers.GetValues("X-Total-Count").Single());
        var listed = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToHashSet();
        Assert.Equal(answers.Select(a => a.RunId).ToHashSet(), listed);
        var page2 = await http.GetFromJsonAsync<JsonElement>("/api/runs?experiment=load&page=2&pageSize=30");
        Assert.Equal(30, page2.GetArrayLength());

        var sorted = latencies.Order().ToArray();
        output.WriteLine($"200 concurrent submissions: p50 {sorted[sorted.Length / 2]:0} ms, p99 {sorted[(int)(sorted.Length * 0.99) - 1]:0} ms, max {sorted[^1]:0} ms");
    }

    [Fact]
    public async Task ReadinessReportsEachDependencyAndTheOpenApiDocumentPassesAnIndependentValidator()
    {
        await using var platform = await ServedPlatform.StartAsync(Path.Combine(folder, "out"));
        var ready = await platform.Http.GetFromJsonAsync<JsonElement>("/api/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        foreach (string check in new[] { "runStore", "checkpointStore", "cluster" })
            Assert.Equal("ok", ready.GetProperty("checks").GetProperty(check).GetString());

        string document = await platform.Http.GetStringAsync("/openapi/v1.json");
        using var openApi = JsonDocument.Parse(document);
        var root = openApi.RootElement;
        Assert.Equal("bearer", root.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer").GetProperty("scheme").GetString());
        var schemas = root.GetProperty("components").GetProperty("schemas");
        foreach (string schema in new[] { "RunSpec", "ExperimentSpecDocument", "RunView", "ExperimentComparison" })
            Assert.True(schemas.TryGetProperty(schema, out _), $"no {schema} schema in the OpenAPI document");
        var paths = root.GetProperty("paths");
        foreach (string path in new[] { "/api/runs", "/api/experiments", "/api/runs/{id}/events", "/api/runs/{id}/checkpoints", "/api/readyz" })
            Assert.True(paths.TryGetProperty(path, out _), $"no {path} in the OpenAPI document");
        Assert.True(paths.GetProperty("/api/runs").GetProperty("post").TryGetProperty("security", out _));

        string file = Path.Combine(folder, "openapi.json");
        await File.WriteAllTextAsync(file, document);
        var (exit, stdout, stderr) = await NodeTools.RunAsync(
            "require(process.argv[1]).validate(process.argv[2]).then(api => console.log('valid ' + api.openapi), e => { console.error(e.message); process.exit(1); })",
            Path.Combine(NodeTools.Folder, "node_modules", "@apidevtools", "swagger-parser"), file);
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("valid 3.", stdout.Trim());

        // The validator is not a yes-machine: a document with a dangling reference fails.
        await File.WriteAllTextAsync(file, document.Replace("\"#/components/schemas/RunSpec\"", "\"#/components/schemas/NoSuchSchema\""));
        var (badExit, _, _) = await NodeTools.RunAsync(
            "require(process.argv[1]).validate(process.argv[2]).then(() => process.exit(0), () => process.exit(1))",
            Path.Combine(NodeTools.Folder, "node_modules", "@apidevtools", "swagger-parser"), file);
        Assert.Equal(1, badExit);
    }
}
