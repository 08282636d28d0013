using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Cli.Tests;
using RlhfPlatform.Storage.RunStores;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>The run store's PostgreSQL restarts under a running run: its calls retry, and the run completes with nothing lost or doubled.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseRestartTests(PostgresServerFixture postgres) : IDisposable
{
    readonly TempFolder folder = new("rlhf-pg-restart-");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task APostgresRestartMidRunLeavesARunThatCompletesWithOneRowPerStep()
    {
        const int steps = 20;
        string store = await postgres.CreateDatabaseAsync();
        string url = $"http://127.0.0.1:{FreeTcpPort.Pick()}";
        await using var serve = RlhfProcess.Start(["serve", "--urls", url, "--out", folder.Combine("out"), "--insecure-no-auth"], new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = store,
            ["Rlhf__Cluster__SiloPort"] = FreeTcpPort.Pick().ToString(),
            ["Rlhf__Cluster__GatewayPort"] = FreeTcpPort.Pick().ToString(),
            ["Rlhf__ComputeThreads"] = "1",
        });
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitAsync(async () => (await http.GetAsync("/api/healthz")).IsSuccessStatusCode, serve);

        var submitted = await http.PostAsync("/api/runs",
            TinySpecs.Json("pg-restart", steps));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        string runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitAsync(async () => await StepAsync(http, runId) >= 3, serve);

        await postgres.RestartAsync();

        await WaitAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString() is not ("pending" or "running"), serve);
        var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        Assert.True(run.GetProperty("status").GetString() == "completed", run + serve.Stdout + serve.Stderr);
        await using var runs = new PostgresRunStore(store);
        var metrics = await runs.GetMetricsAsync(runId);
        foreach (string name in new[] { "rl/proxy_reward", "rl/gold_reward", "rl/kl" })
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), metrics.Where(m => m.Name == name).Select(m => m.Step));
        Assert.Equal(Enumerable.Range(0, steps + 1), (await runs.GetCheckpointsAsync(runId)).Where(c => c.Kind == "policy").Select(c => c.Version));
    }

    static async Task<int> StepAsync(HttpClient http, string runId)
    {
        var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
        return run.GetProperty("stage").GetString() == "policy" ? run.GetProperty("step").GetInt32() : 0;
    }

    static async Task WaitAsync(Func<Task<bool>> done, RlhfProcess serve)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            try
            {
                if (await done()) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException(serve.Stdout + serve.Stderr);
            await Task.Delay(300);
        }
    }
}
