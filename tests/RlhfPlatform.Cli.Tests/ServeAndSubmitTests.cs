using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf serve` (silo + admin API in one process) takes a run from `rlhf submit` and runs it to completion.</summary>
public sealed class ServeAndSubmitTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-serve-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task SubmittedRunCompletesAndTheApiReportsItsResults()
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        var environment = new Dictionary<string, string>
        {
            ["Rlhf__Cluster__SiloPort"] = FreePort().ToString(),
            ["Rlhf__Cluster__GatewayPort"] = FreePort().ToString(),
            ["Rlhf__ComputeThreads"] = "1",
        };
        await using var server = RlhfProcess.Start(["serve", "--urls", url, "--out", Path.Combine(folder, "out")], environment);
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        await WaitUntilHealthyAsync(http, server);

        string spec = Path.Combine(folder, "tiny.json");
        await File.WriteAllTextAsync(spec, TinySpecJson);
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["submit", spec, "--api", url]);
        Assert.True(exit == 0, stderr);
        string runId = stdout.Trim();

        JsonElement run;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            run = await http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", deadline.Token);
            if (run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled") break;
            await Task.Delay(250, deadline.Token);
        }
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        Assert.Equal("done", run.GetProperty("stage").GetString());
        Assert.InRange(run.GetProperty("results").GetProperty("win_rate").GetDouble(), 0, 1);

        var missing = await http.GetAsync("/api/runs/no-such-run");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        var badSpec = await http.PostAsync("/api/runs", new StringContent("""{"name": 5}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badSpec.StatusCode);
        Assert.Contains("name", (await badSpec.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    static async Task WaitUntilHealthyAsync(HttpClient http, RlhfProcess server)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/api/healthz", deadline.Token)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (deadline.IsCancellationRequested) throw new TimeoutException($"serve did not come up:\n{server.Stdout}\n{server.Stderr}");
            await Task.Delay(200, deadline.Token);
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    const string TinySpecJson = """
    {
      "name": "served", "experiment": "tests", "seed": 5,
      "task": { "targetLength": 6 },
      "policy": { "model": { "layers": 1, "dim": 32, "heads": 2, "maxSeqLen": 48 }, "sft": { "examples": 200, "steps": 10, "batchSize": 16 } },
      "rewardModel": { "pairs": 200, "epochs": 1, "model": { "layers": 1, "dim": 32, "heads": 2, "maxSeqLen": 48 } },
      "rl": { "steps": 2, "promptsPerStep": 4, "samplesPerPrompt": 2, "maxNewTokens": 12 },
      "evaluation": { "prompts": 16, "maxNewTokens": 12 }
    }
    """;
}
