using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Grains.Tests;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf serve` (silo + admin API in one process) takes runs from `rlhf submit`, and survives a crash.</summary>
public sealed class ServeAndSubmitTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-serve-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    async Task<string> SubmitAsync(string url, int rlSteps, string algorithm = "rloo", int checkpointEvery = 1)
    {
        string spec = Path.Combine(folder, $"tiny-{algorithm}-{rlSteps}-{checkpointEvery}.json");
        // "ppo-lora": PPO on LoRA adapters (policy and critic), with adapter dropout.
        bool lora = algorithm.EndsWith("-lora", StringComparison.Ordinal);
        if (lora) algorithm = algorithm[..^"-lora".Length];
        string rl = algorithm == "ppo"
            ? "\"algorithm\": \"ppo\", \"epochs\": 2, \"miniBatches\": 2, \"ppo\": { \"critic\": \"separate\", \"klTarget\": 0.5, \"rewardNormalization\": \"running\" }, "
            : "";
        rl += $"\"checkpointEvery\": {checkpointEvery}, ";
        string json = TinySpecJson.Replace("RL_STEPS", rlSteps.ToString()).Replace("\"rl\": { ", "\"rl\": { " + rl);
        if (lora) json = json.Replace("\"policy\": { ", "\"policy\": { \"lora\": { \"rank\": 4, \"alpha\": 8, \"dropout\": 0.1 }, ");
        await File.WriteAllTextAsync(spec, json);
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["submit", spec, "--api", url]);
        Assert.True(exit == 0, stderr);
        return stdout.Trim();
    }

    static bool Ended(JsonElement run) => run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled";

    [Fact]
    public async Task SubmittedRunCompletesAndTheApiReportsItsResults()
    {
        await using var platform = await ServedPlatform.StartAsync(Path.Combine(folder, "out"));
        string runId = await SubmitAsync(platform.Url, rlSteps: 2);
        var run = await platform.WaitForRunAsync(runId, Ended, TimeSpan.FromMinutes(3));
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        Assert.Equal("done", run.GetProperty("stage").GetString());
        Assert.InRange(run.GetProperty("results").GetProperty("win_rate").GetDouble(), 0, 1);

        var comparison = await platform.Http.GetFromJsonAsync<JsonElement>("/api/experiments/tests/comparison");
        var row = comparison.GetProperty("rows").EnumerateArray().Single();
        Assert.Equal("bt", row.GetProperty("rewardModel").GetString());
        Assert.Equal(run.GetProperty("results").GetProperty("win_rate").GetDouble(), row.GetProperty("winRate").GetDouble());
        string csv = await platform.Http.GetStringAsync("/api/experiments/tests/comparison?format=csv");
        Assert.StartsWith("run_id,reward_model,objective,status,", csv);
        Assert.Contains($"{runId},bt,bt,completed,", csv);
        string svg = await platform.Http.GetStringAsync("/api/experiments/tests/comparison?format=svg");
        Assert.Contains("<svg", svg);
        Assert.Contains("best-of-n", await platform.Http.GetStringAsync("/api/experiments/tests/comparison?format=svg&plot=bon"));
        Assert.Equal(HttpStatusCode.BadRequest, (await platform.Http.GetAsync("/api/experiments/tests/comparison?format=svg&plot=pie")).StatusCode);
        byte[] png = await platform.Http.GetByteArrayAsync("/api/experiments/tests/comparison?format=png");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Equal(HttpStatusCode.NotFound, (await platform.Http.GetAsync("/api/experiments/none/comparison")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await platform.Http.GetAsync("/api/experiments/tests/comparison?format=xls")).StatusCode);

        var (watchExit, watchOut, _) = await RlhfProcess.RunAsync(["watch", runId, "--api", platform.Url]);
        Assert.Equal(0, watchExit);
        Assert.Contains($"{runId} completed", watchOut);
        var (runsExit, runsOut, _) = await RlhfProcess.RunAsync(["runs", "--experiment", "tests", "--json", "--api", platform.Url]);
        Assert.Equal(0, runsExit);
        Assert.Equal(runId, JsonDocument.Parse(runsOut).RootElement.EnumerateArray().Single().GetProperty("id").GetString());
        var (compareExit, compareOut, _) = await RlhfProcess.RunAsync(["compare", "tests", "--format", "csv", "--api", platform.Url]);
        Assert.Equal(0, compareExit);
        Assert.Contains($"{runId},bt,bt,completed,", compareOut);
        var (cancelExit, _, cancelErr) = await RlhfProcess.RunAsync(["cancel", runId, "--api", platform.Url]);
        Assert.Equal(1, cancelExit);
        Assert.Contains("had already ended", cancelErr);
        var metrics = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/metrics?name=rl/kl");
        Assert.Equal(2, metrics.GetArrayLength());

        var openApi = await platform.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var apiPaths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Contains("/api/runs", apiPaths);
        Assert.Contains("/api/experiments/{name}/comparison", apiPaths);

        var missing = await platform.Http.GetAsync("/api/runs/no-such-run");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        var badSpec = await platform.Http.PostAsync("/api/runs", new StringContent("""{"name": 5}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, badSpec.StatusCode);
        Assert.Contains("name", (await badSpec.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        // Outside the data roots (here only --out's data folder): one 400, the same whether the target exists or not.
        string existing = Path.Combine(folder, "tiny-rloo-2-1.json"), missingFile = Path.Combine(folder, "no-such.jsonl");
        Assert.True(File.Exists(existing));
        var details = new List<string?>();
        foreach (string path in new[] { existing, missingFile, "../../etc/passwd", "/dev/null" })
        {
            string body = $$"""{ "policy": { "sft": { "data": {{JsonSerializer.Serialize(path)}} } } }""";
            var refused = await platform.Http.PostAsync("/api/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            details.Add((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        Assert.Single(details.Distinct());
        Assert.Contains("policy.sft.data: not readable through a run spec", details[0]);
    }

    [Fact]
    public async Task SubmitNamesLocalPathsTheServerCannotReadAndPushRunsThemThroughTheStore()
    {
        string outDirectory = Path.Combine(folder, "out");
        await using var platform = await ServedPlatform.StartAsync(outDirectory);
        using var example = new ByoExample(); // its own temp folder: outside the server's data roots

        var (refusedExit, _, refusedErr) = await RlhfProcess.RunAsync(["submit", example.SpecPath, "--api", platform.Url]);
        Assert.Equal(1, refusedExit);
        Assert.StartsWith("error: the server cannot read ", refusedErr.Trim());
        Assert.Contains($"policy.base ({Path.Combine(example.Folder, "model")})", refusedErr);
        Assert.Contains($"prompts.train ({Path.Combine(example.Folder, "data", "prompts-train.jsonl")})", refusedErr);
        Assert.Contains($"evaluation.judge.model ({Path.Combine(example.Folder, "gold-rm")})", refusedErr);
        Assert.Contains("--push", refusedErr);

        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["submit", example.SpecPath, "--api", platform.Url, "--push", "--out", outDirectory]);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"pushed {Path.Combine(example.Folder, "model")} as blob:data/model/1", stderr);
        Assert.Contains("as blob:data/preferences/1/preferences.jsonl", stderr);
        var run = await platform.WaitForRunAsync(stdout.Trim(), Ended, TimeSpan.FromMinutes(3));
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        Assert.InRange(run.GetProperty("results").GetProperty("win_rate").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task CancelledRunIsReportedByWatchWithExitCodeOne()
    {
        await using var platform = await ServedPlatform.StartAsync(Path.Combine(folder, "out"));
        string runId = await SubmitAsync(platform.Url, rlSteps: 500);
        var (cancelExit, cancelOut, cancelErr) = await RlhfProcess.RunAsync(["cancel", runId, "--api", platform.Url]);
        Assert.True(cancelExit == 0, cancelErr);
        Assert.Contains($"{runId} cancelled", cancelOut);
        var (watchExit, _, watchErr) = await RlhfProcess.RunAsync(["watch", runId, "--api", platform.Url]);
        Assert.Equal(1, watchExit);
        Assert.Contains($"error: run {runId} cancelled", watchErr);
    }

    [Fact]
    public async Task RunKilledMidPolicyStageResumesAfterRestartWithoutDuplicateOrMissingRows()
    {
        const int steps = 30;
        string outDirectory = Path.Combine(folder, "out");
        string runId;
        await using (var first = await ServedPlatform.StartAsync(outDirectory))
        {
            runId = await SubmitAsync(first.Url, steps);
            await first.WaitForRunAsync(runId,
                r => r.GetProperty("stage").GetString() == "policy" && r.GetProperty("step").GetInt32() >= 3, TimeSpan.FromMinutes(2));
            await first.KillAsync();
        }

        await using var second = await ServedPlatform.StartAsync(outDirectory);
        var run = await second.WaitForRunAsync(runId, Ended, TimeSpan.FromMinutes(3));
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());

        await using var store = new SqliteRunStore(Path.Combine(outDirectory, "runs.db"));
        var metrics = await store.GetMetricsAsync(runId);
        foreach (string name in new[] { "rl/proxy_reward", "rl/gold_reward", "rl/kl" })
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), metrics.Where(m => m.Name == name).Select(m => m.Step));
        var policyVersions = (await store.GetCheckpointsAsync(runId)).Where(c => c.Kind == "policy").Select(c => c.Version);
        Assert.Equal(Enumerable.Range(0, steps + 1), policyVersions);
        var events = await store.GetEventsAsync(runId);
        Assert.Contains(events, e => e.Kind == "resumed" && e.Message.StartsWith("continuing RL from committed policy version"));
        Assert.Single(events, e => e.Message == "entered stage sft");
        Assert.DoesNotContain(events, e => e.Kind == "trainer-state"); // the optimizer resumed from its committed state

        // An undisturbed twin (same spec and seed, its own stores) ends with the very same RL metrics.
        string twinDirectory = Path.Combine(folder, "twin");
        string twinId;
        await using (var twin = await ServedPlatform.StartAsync(twinDirectory))
        {
            twinId = await SubmitAsync(twin.Url, steps);
            await twin.WaitForRunAsync(twinId, Ended, TimeSpan.FromMinutes(3));
        }
        await using var twinStore = new SqliteRunStore(Path.Combine(twinDirectory, "runs.db"));
        var twinMetrics = (await twinStore.GetMetricsAsync(twinId)).Where(m => m.Name.StartsWith("rl/")).Select(m => (m.Name, m.Step, m.Value)).ToList();
        Assert.NotEmpty(twinMetrics);
        Assert.Equal(twinMetrics, metrics.Where(m => m.Name.StartsWith("rl/")).Select(m => (m.Name, m.Step, m.Value)).ToList());
    }

    /// <summary>
    /// PPO with a checkpoint every 5 steps, killed past step 6: the versions since the last checkpoint lived
    /// only in the trainer's memory (lent to the generator). The restarted run goes on from the last
    /// checkpoint, replays the steps after it with the same seeds, and ends with the very RL metrics of an
    /// undisturbed twin; only every fifth version and the last are committed, each with its trainer state.
    /// </summary>
    [Fact]
    public async Task ARunKilledBetweenCheckpointsReplaysTheStepsSinceTheLastAndEndsEqualToItsTwin()
    {
        const int steps = 16, every = 5;
        string outDirectory = Path.Combine(folder, "out");
        string runId;
        await using (var first = await ServedPlatform.StartAsync(outDirectory))
        {
            runId = await SubmitAsync(first.Url, steps, "ppo", every);
            await first.WaitForRunAsync(runId,
                r => r.GetProperty("stage").GetString() == "policy" && r.GetProperty("step").GetInt32() >= 6, TimeSpan.FromMinutes(2));
            await first.KillAsync();
        }
        await using (var store = new SqliteRunStore(Path.Combine(outDirectory, "runs.db")))
        {
            int done = (await store.GetMetricsAsync(runId, "rl/kl")).Count;
            Assert.True(done < steps, $"the run had done {done} steps when killed: too late to test a resume");
        }

        await using var second = await ServedPlatform.StartAsync(outDirectory);
        var run = await second.WaitForRunAsync(runId, Ended, TimeSpan.FromMinutes(3));
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        await using var runs = new SqliteRunStore(Path.Combine(outDirectory, "runs.db"));
        var checkpoints = await runs.GetCheckpointsAsync(runId);
        Assert.Equal([0, 5, 10, 15, 16], checkpoints.Where(c => c.Kind == "policy").Select(c => c.Version));
        Assert.Equal([5, 10, 15, 16], checkpoints.Where(c => c.Kind == "trainer-state").Select(c => c.Version));
        var events = await runs.GetEventsAsync(runId);
        Assert.Contains(events, e => e.Kind == "resumed" && e.Message is "continuing RL from committed policy version 5" or "continuing RL from committed policy version 10");
        var metrics = await runs.GetMetricsAsync(runId);
        foreach (string name in new[] { "rl/proxy_reward", "rl/kl", "rl/value_loss" })
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), metrics.Where(m => m.Name == name).Select(m => m.Step));

        string twinDirectory = Path.Combine(folder, "twin");
        string twinId;
        await using (var twin = await ServedPlatform.StartAsync(twinDirectory))
        {
            twinId = await SubmitAsync(twin.Url, steps, "ppo", every);
            await twin.WaitForRunAsync(twinId, Ended, TimeSpan.FromMinutes(3));
        }
        await using var twinStore = new SqliteRunStore(Path.Combine(twinDirectory, "runs.db"));
        var twinMetrics = (await twinStore.GetMetricsAsync(twinId)).Where(m => m.Name.StartsWith("rl/")).Select(m => (m.Name, m.Step, m.Value)).ToList();
        Assert.Equal(twinMetrics, metrics.Where(m => m.Name.StartsWith("rl/")).Select(m => (m.Name, m.Step, m.Value)).ToList());
    }

    /// <summary>
    /// The process dies right after a blob commit, before its run-store row: the committed version is
    /// adopted on restart. Trainer state v4 is committed before policy v4, so dying after policy v4
    /// resumes from v4 with its trainer state; dying after trainer state v4 resumes from policy v3, redoes
    /// step 4 and adopts the identical state. Nothing is lost either way: a PPO run (separate critic,
    /// adaptive KL, running reward normalization) ends equal to its undisturbed twin, and so does one
    /// on LoRA adapters, resumed from an adapter version.
    /// </summary>
    [Theory]
    [InlineData("rloo", "policy")]
    [InlineData("ppo", "trainer-state")]
    [InlineData("ppo-lora", "policy")]
    public async Task ACrashBetweenACheckpointCommitAndItsRowIsAdoptedAndTheRunCompletes(string algorithm, string crashAfterKind)
    {
        const int steps = 8;
        string outDirectory = Path.Combine(folder, "out");
        string runId;
        await using (var first = await ServedPlatform.StartAsync(outDirectory,
            new Dictionary<string, string> { ["RLHF_FAULTPOINT"] = $"after-checkpoint-commit:{crashAfterKind}:4" }))
        {
            runId = await SubmitAsync(first.Url, steps, algorithm);
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromMinutes(3)), "the fault point never killed the process");
        }
        await using (var store = new SqliteRunStore(Path.Combine(outDirectory, "runs.db")))
            Assert.Equal(crashAfterKind == "policy" ? [0, 1, 2, 3] : [1, 2, 3], // v4 committed in the blob store, not recorded
                (await store.GetCheckpointsAsync(runId)).Where(c => c.Kind == crashAfterKind).Select(c => c.Version));

        await using var second = await ServedPlatform.StartAsync(outDirectory);
        var run = await second.WaitForRunAsync(runId, Ended, TimeSpan.FromMinutes(3));
        Assert.True(run.GetProperty("status").GetString() == "completed", run.ToString());
        await using var runs = new SqliteRunStore(Path.Combine(outDirectory, "runs.db"));
        var checkpoints = await runs.GetCheckpointsAsync(runId);
        Assert.Equal(Enumerable.Range(0, steps + 1), checkpoints.Where(c => c.Kind == "policy").Select(c => c.Version));
        var metrics = await runs.GetMetricsAsync(runId);
        foreach (string name in new[] { "rl/proxy_reward", "rl/kl" })
            Assert.Equal(Enumerable.Range(1, steps).Select(i => (long)i), metrics.Where(m => m.Name == name).Select(m => m.Step));
        var events = await runs.GetEventsAsync(runId);
        int resumedFrom = crashAfterKind == "policy" ? 4 : 3;
        Assert.Contains(events, e => e.Kind == "resumed" && e.Message == $"continuing RL from committed policy version {resumedFrom}");
        Assert.Equal(Enumerable.Range(1, steps), checkpoints.Where(c => c.Kind == "trainer-state").Select(c => c.Version));
        Assert.DoesNotContain(events, e => e.Kind == "trainer-state"); // no resume without its optimizer state
        if (!algorithm.StartsWith("ppo", StringComparison.Ordinal)) return;

        string twinDirectory = Path.Combine(folder, "twin");
        string twinId;
        await using (var twin = await ServedPlatform.StartAsync(twinDirectory))
        {
            twinId = await SubmitAsync(twin.Url, steps, algorithm);
            await twin.WaitForRunAsync(twinId, Ended, TimeSpan.FromMinutes(3));
        }
        await using var twinStore = new SqliteRunStore(Path.Combine(twinDirectory, "runs.db"));
        var twinMetrics = (await twinStore.GetMetricsAsync(twinId)).Where(m => m.Name.StartsWith("rl/")).Select(m => (m.Name, m.Step, m.Value)).ToList();
        Assert.Contains(twinMetrics, m => m.Name == "rl/value_loss");
        Assert.Equal(twinMetrics, metrics.Where(m => m.Name.StartsWith("rl/")).Select(m => (m.Name, m.Step, m.Value)).ToList());
    }

    [Fact]
    public async Task PastTheCapOnDrivenRunsARunWaitsQueuedAndStartsWhenAPlaceFreesUp()
    {
        await using var served = await ServedPlatform.StartAsync(Path.Combine(folder, "out"),
            new Dictionary<string, string> { ["Rlhf__Runs__MaxDriven"] = "1" });
        // The first run is far too long to finish during the test: it holds the one place until it is cancelled.
        string first = await SubmitAsync(served.Url, 100_000);
        await served.WaitForRunAsync(first, r => r.GetProperty("status").GetString() == "running", TimeSpan.FromMinutes(1));
        string second = await SubmitAsync(served.Url, 4);
        var queued = await served.WaitForRunAsync(second,
            r => r.TryGetProperty("waiting", out var w) && w.GetString()?.StartsWith("queued:") == true || Ended(r), TimeSpan.FromMinutes(1));
        Assert.True(queued.GetProperty("status").GetString() == "pending", queued.ToString());

        var (cancelExit, _, cancelError) = await RlhfProcess.RunAsync(["cancel", first, "--api", served.Url]);
        Assert.True(cancelExit == 0, cancelError);
        var done = await served.WaitForRunAsync(second, Ended, TimeSpan.FromMinutes(3));
        Assert.True(done.GetProperty("status").GetString() == "completed", done.ToString());
        await using var store = new SqliteRunStore(Path.Combine(folder, "out", "runs.db"));
        var firstEnded = (await store.GetEventsAsync(first)).Single(e => e.Kind == "cancelled").At;
        var secondEvents = await store.GetEventsAsync(second);
        Assert.Contains(secondEvents, e => e.Kind == "queued" && e.Message.Contains("Rlhf:Runs:MaxDriven"));
        // It started only once the first had let go of its place, long before its reminder's next tick (a minute).
        var secondStarted = secondEvents.First(e => e.Kind == "stage").At;
        Assert.True(secondStarted >= firstEnded, $"the second run started at {secondStarted:O}, the first ended at {firstEnded:O}");
        Assert.True(secondStarted - firstEnded < TimeSpan.FromSeconds(30), $"the queued run waited {secondStarted - firstEnded} after the place freed up");
    }

    [Fact]
    public async Task AJobThatStopsMakingProgressFailsItsRunWithOneLineInsteadOfWaitingForever()
    {
        await using var served = await ServedPlatform.StartAsync(Path.Combine(folder, "out"), new Dictionary<string, string>
        {
            ["RLHF_FAULTPOINT"] = "hang:sft-chunk:0", ["Rlhf__Runs__StallSeconds"] = "5",
        });
        string runId = await SubmitAsync(served.Url, 4);
        var run = await served.WaitForRunAsync(runId, Ended, TimeSpan.FromMinutes(2));
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal("sft: no progress for 5 s (stuck at step 0; Rlhf:Runs:StallSeconds)", run.GetProperty("error").GetString());
    }

    const string TinySpecJson = """
    {
      "name": "served", "experiment": "tests", "seed": 5,
      "task": { "targetLength": 6 },
      "policy": { "model": { "layers": 1, "dim": 32, "heads": 2, "maxSeqLen": 48 }, "sft": { "examples": 200, "steps": 10, "batchSize": 16 } },
      "rewardModel": { "pairs": 200, "epochs": 1, "model": { "layers": 1, "dim": 32, "heads": 2, "maxSeqLen": 48 } },
      "rl": { "steps": RL_STEPS, "promptsPerStep": 4, "samplesPerPrompt": 2, "maxNewTokens": 12 },
      "evaluation": { "prompts": 16, "maxNewTokens": 12 }
    }
    """;
}
