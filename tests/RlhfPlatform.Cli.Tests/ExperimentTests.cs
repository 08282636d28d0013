using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>An experiment spec through `rlhf submit` on a real `rlhf serve`: one run per (reward model, seed), compared over seeds.</summary>
public sealed class ExperimentTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-experiment-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    const string ExperimentJson = $$"""
    {
      "experiment": "rm-compare",
      "base": { {{TinySpecs.Body}} },
      "rewardModels": [
        { "name": "bt", "objective": "bt" },
        { "name": "margin", "objective": "margin", "hyperparameters": { "margin": 0.5 } },
        { "name": "bsr", "objective": "bsr", "hyperparameters": { "bsrLambda": 0.01 } }
      ],
      "seeds": [1, 2]
    }
    """;

    [Fact]
    public async Task ThreeRewardModelsTimesTwoSeedsCompleteAndTheComparisonAggregatesTheStoredNumbers()
    {
        string outDirectory = Path.Combine(folder, "out");
        string operatorKey = await ServedPlatform.CreateKeyAsync(outDirectory, "operator");
        await using var platform = await ServedPlatform.StartAsync(outDirectory, key: operatorKey);
        string spec = Path.Combine(folder, "experiment.json");
        await File.WriteAllTextAsync(spec, ExperimentJson);
        var withKey = new Dictionary<string, string> { ["RLHF_API_KEY"] = operatorKey };

        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["submit", spec, "--api", platform.Url, "--idempotency-key", "exp-1"], withKey);
        Assert.True(exit == 0, stderr);
        string[] runIds = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(6, runIds.Length);
        var (again, againOut, _) = await RlhfProcess.RunAsync(["submit", spec, "--api", platform.Url, "--idempotency-key", "exp-1"], withKey);
        Assert.Equal(0, again);
        Assert.Equal(runIds, againOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var runs = new List<JsonElement>();
        foreach (string runId in runIds)
        {
            var run = await platform.WaitForRunAsync(runId, r => r.GetProperty("status").GetString() is "completed" or "failed" or "cancelled", TimeSpan.FromMinutes(5));
            Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
            runs.Add(run);
        }
        Assert.Equal(["bsr-s1", "bsr-s2", "bt-s1", "bt-s2", "margin-s1", "margin-s2"], runs.Select(r => r.GetProperty("name").GetString()).Order());

        var comparison = await platform.Http.GetFromJsonAsync<JsonElement>("/api/experiments/rm-compare/comparison");
        var aggregates = comparison.GetProperty("aggregates").EnumerateArray().ToDictionary(a => a.GetProperty("rewardModel").GetString()!);
        Assert.Equal(["bsr", "bt", "margin"], aggregates.Keys.Order());
        foreach (var (rewardModel, aggregate) in aggregates)
        {
            Assert.Equal(2, aggregate.GetProperty("completed").GetInt32());
            var winRate = aggregate.GetProperty("figures").GetProperty("winRate");
            var stored = new[] { 1, 2 }.Select(seed => runs.Single(r => r.GetProperty("name").GetString() == $"{rewardModel}-s{seed}")
                .GetProperty("results").GetProperty("win_rate").GetDouble()).ToArray();
            Assert.Equal(stored[0], winRate.GetProperty("seeds").GetProperty("1").GetDouble());
            Assert.Equal(stored[1], winRate.GetProperty("seeds").GetProperty("2").GetDouble());
            Assert.Equal(stored.Average(), winRate.GetProperty("mean").GetDouble(), 12);
            Assert.Equal(Math.Abs(stored[0] - stored[1]) / Math.Sqrt(2), winRate.GetProperty("std").GetDouble(), 12);
        }
        Assert.Equal(6, comparison.GetProperty("rows").GetArrayLength());

        // A finished run's events, checkpoints and paged metrics.
        string first = runIds[0];
        var events = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{first}/events");
        Assert.Equal("submitted", events[0].GetProperty("kind").GetString());
        var onePage = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{first}/events?page=2&pageSize=1");
        Assert.Equal(events[1].GetProperty("message").GetString(), onePage.EnumerateArray().Single().GetProperty("message").GetString());
        var checkpoints = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{first}/checkpoints");
        Assert.Contains(checkpoints.EnumerateArray(), c => c.GetProperty("kind").GetString() == "policy");
        var fromStep2 = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{first}/metrics?name=rl/kl&fromStep=2");
        Assert.Equal([2L], fromStep2.EnumerateArray().Select(m => m.GetProperty("step").GetInt64()));
        Assert.Equal(HttpStatusCode.NotFound, (await platform.Http.GetAsync("/api/runs/no-such-run/events")).StatusCode);

        // The same experiment under its key with another body is refused, naming why.
        await File.WriteAllTextAsync(spec, ExperimentJson.Replace("[1, 2]", "[1, 2, 3]"));
        var (conflict, _, conflictErr) = await RlhfProcess.RunAsync(["submit", spec, "--api", platform.Url, "--idempotency-key", "exp-1"], withKey);
        Assert.Equal(1, conflict);
        Assert.Contains("another request body", conflictErr);
    }

    [Fact]
    public async Task PushStoresEveryLocalPathOfAnExperimentsRunsOnceAndTheServerRunsThemFromTheStore()
    {
        string outDirectory = Path.Combine(folder, "out");
        await using var platform = await ServedPlatform.StartAsync(outDirectory);
        using var example = new RlhfPlatform.Grains.Tests.ByoExample(); // its own temp folder: outside the server's data roots
        var run = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(example.SpecPath))!.AsObject();
        run.Remove("name");
        run.Remove("experiment");
        run.Remove("seed");
        // The bsr entry reads its own preference file (the base's "id" eval set): a path written in an entry, not in the base.
        string spec = Path.Combine(example.Folder, "experiment.json");
        await File.WriteAllTextAsync(spec, $$"""
        {
          "experiment": "byo-push",
          "base": {{run.ToJsonString()}},
          "rewardModels": [ { "name": "bt", "objective": "bt" }, { "name": "bsr", "objective": "bsr", "data": "data/preferences-id.jsonl" } ],
          "seeds": [3]
        }
        """);

        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["submit", spec, "--api", platform.Url, "--push", "--out", outDirectory], timeout: TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, stderr);
        string[] pushed = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith("pushed ")).ToArray();
        string[] local = ["model", "gold-rm", "data/sft.jsonl", "data/preferences.jsonl", "data/preferences-id.jsonl", "data/preferences-ood.jsonl",
            "data/prompts-train.jsonl", "data/prompts-eval.jsonl"];
        Assert.Equal(local.Select(p => Path.Combine(example.Folder, p)).Order(), pushed.Select(l => l["pushed ".Length..l.IndexOf(" as ", StringComparison.Ordinal)]).Order());
        Assert.Contains($"pushed {Path.Combine(example.Folder, "model")} as blob:data/model/1", stderr);
        Assert.Contains($"pushed {Path.Combine(example.Folder, "data", "preferences-id.jsonl")} as blob:data/preferences-id/1/preferences-id.jsonl", stderr);

        string[] runIds = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(2, runIds.Length);
        foreach (string runId in runIds)
        {
            var ended = await platform.WaitForRunAsync(runId, r => r.GetProperty("status").GetString() is "completed" or "failed" or "cancelled", TimeSpan.FromMinutes(3));
            Assert.True(ended.GetProperty("status").GetString() == "completed", ended.ToString());
        }
        // Each run trained on its own pushed file: the bsr run on its entry's, the bt run on the base's (their events name them).
        var pairs = new Dictionary<string, string>();
        foreach (string runId in runIds)
        {
            var events = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/events");
            var name = (await platform.GetRunAsync(runId, CancellationToken.None)).GetProperty("name").GetString()!;
            pairs[name] = events.EnumerateArray().Single(e => e.GetProperty("kind").GetString() == "reward-model").GetProperty("message").GetString()!;
        }
        Assert.Contains("preferences-id.jsonl", pairs["bsr-s3"]);
        Assert.Contains("preferences.jsonl", pairs["bt-s3"]);
        Assert.DoesNotContain("preferences-id", pairs["bt-s3"]);
    }

    [Fact]
    public async Task AnInvalidExperimentIsRefusedNamingTheRunAndTheField()
    {
        string spec = Path.Combine(folder, "bad.json");
        await File.WriteAllTextAsync(spec, ExperimentJson.Replace("\"objective\": \"margin\"", "\"objective\": \"guess\""));
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["submit", spec, "--api", "http://127.0.0.1:9"]);
        Assert.Equal(1, exit);
        Assert.Contains("experiment run margin-s1", stderr);
        Assert.Contains("rewardModel.objective", stderr);

        await File.WriteAllTextAsync(spec, ExperimentJson.Replace("[1, 2]", "[1, 1]"));
        var (dupExit, _, dupErr) = await RlhfProcess.RunAsync(["submit", spec, "--api", "http://127.0.0.1:9"]);
        Assert.Equal(1, dupExit);
        Assert.Contains("seeds", dupErr);
    }
}
