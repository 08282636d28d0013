using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Cli.Tests;
using RlhfPlatform.Storage.RunStores;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>Two `rlhf serve` processes, each its own cluster, on one run store: each run has one driver, and the other takes over when it dies.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OneDriverTests(PostgresServerFixture postgres) : IDisposable
{
    readonly TempFolder folder = new("rlhf-one-driver-");

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task TwoClustersOnOneStoreDriveARunOnceAndTheSecondTakesOverWhenTheFirstDies()
    {
        const int steps = 120;
        string store = await postgres.CreateDatabaseAsync();
        await using var first = await ServeAsync("first", store);
        var submitted = await first.Http.PostAsync("/api/runs",
            TinySpecs.Json("one-driver", steps, promptsPerStep: 8, samplesPerPrompt: 4));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        string runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitAsync(first.Http, runId, r => r.GetProperty("stage").GetString() == "policy" && r.GetProperty("step").GetInt32() >= 2);

        // The second cluster's start-up resumer finds the run unfinished and asks its own run grain to drive it: the lease says no.
        await using var second = await ServeAsync("second", store);
        // Its hosted services (the resumer among them) have run once its API answers.
        Assert.Equal("policy", (await second.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("stage").GetString());
        Assert.Single(await EventsAsync(store, runId), e => e == "entered stage policy");
        Assert.True((second.Process.Stdout + second.Process.Stderr).Contains("is driven elsewhere"), second.Process.Stdout + second.Process.Stderr);

        await first.Process.KillAsync();
        var run = await WaitAsync(second.Http, runId, r => r.GetProperty("status").GetString() is "completed" or "failed" or "cancelled");
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString() + second.Process.Stdout);
        var events = await EventsAsync(store, runId);
        Assert.Single(events, e => e == "entered stage sft");
        Assert.Equal(2, events.Count(e => e == "entered stage policy")); // the first driver, then the second after the lease expired
        var kl = await second.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/metrics?name=rl/kl");
        Assert.Equal(Enumerable.Range(1, steps), kl.EnumerateArray().Select(m => m.GetProperty("step").GetInt32()));
    }

    sealed record Served(RlhfProcess Process, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }

    async Task<Served> ServeAsync(string name, string store)
    {
        string url = $"http://127.0.0.1:{FreeTcpPort.Pick()}";
        var process = RlhfProcess.Start(["serve", "--urls", url, "--out", folder.Combine(name), "--insecure-no-auth"], new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = store,
            ["Rlhf__CheckpointStore__Kind"] = "local",
            ["Rlhf__CheckpointStore__Path"] = folder.Combine("checkpoints"),
            ["Rlhf__Cluster__SiloPort"] = FreeTcpPort.Pick().ToString(),
            ["Rlhf__Cluster__GatewayPort"] = FreeTcpPort.Pick().ToString(),
            ["Rlhf__ComputeThreads"] = "1",
            ["Rlhf__Runs__DrivePeriodSeconds"] = "5",
        });
        var http = new HttpClient { BaseAddress = new Uri(url) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/api/healthz")).IsSuccessStatusCode) return new Served(process, http);
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"serve {name} did not come up:\n{process.Stdout}\n{process.Stderr}");
            await Task.Delay(300);
        }
    }

    /// <summary>The run's events, read from the run store both processes write.</summary>
    static async Task<List<string>> EventsAsync(string store, string runId)
    {
        await using var runs = new PostgresRunStore(store);
        return (await runs.GetEventsAsync(runId)).Select(e => e.Message).ToList();
    }

    static async Task<JsonElement> WaitAsync(HttpClient http, string runId, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
            if (done(run)) return run;
            if (DateTime.UtcNow > deadline) throw new TimeoutException(run.ToString());
            await Task.Delay(300);
        }
    }
}
