using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>Runs keep going when a silo process dies under them: nothing lost, nothing counted twice.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloLossTests(PostgresServerFixture postgres) : IDisposable
{
    readonly TempFolder folder = new("rlhf-silo-loss-");

    public void Dispose() => folder.Dispose();

    /// <summary>
    /// Three silos (two heavy, one light): the light silo driving the run is killed mid-RL, then the
    /// heavy silo hosting its generator. The run completes on what is left with one metric row per
    /// (name, step), and its RL metrics equal an undisturbed twin's (same spec and seed) exactly.
    /// </summary>
    [Fact]
    public async Task KillingTheDriversSiloThenTheGeneratorsMidRlLeavesARunEqualToAnUndisturbedTwin()
    {
        const int steps = 40;
        await using var cluster = await ClusterProcesses.StartAsync(postgres, folder.Path, true, true, false);
        string runId = await SubmitAsync(cluster, "silo-loss", steps);

        await WaitForRunAsync(cluster, runId, r => r.GetProperty("stage").GetString() == "policy" && r.GetProperty("step").GetInt32() >= 3);
        string driver = await cluster.HostOfAsync(runId, "run") ?? throw new InvalidOperationException("the run grain shows on no silo");
        string trainer = await cluster.HostOfAsync(runId, "policytrainer") ?? throw new InvalidOperationException("the trainer shows on no silo");
        Assert.True(trainer != driver, $"the driver prefers a light silo, but shares {driver} with the trainer");
        await cluster.KillSiloAsync(driver);

        int resumedAt = (await WaitForRunAsync(cluster, runId, r => r.GetProperty("step").GetInt32() >= 3 && r.GetProperty("stage").GetString() == "policy")).GetProperty("step").GetInt32();
        await WaitForRunAsync(cluster, runId, r => r.GetProperty("stage").GetString() != "policy" || r.GetProperty("step").GetInt32() >= resumedAt + 3);
        string generator = await cluster.HostOfAsync(runId, "rolloutgenerator") ?? throw new InvalidOperationException("the generator shows on no silo");
        await cluster.KillSiloAsync(generator);

        var run = await WaitForRunAsync(cluster, runId, Ended);
        Assert.True(run.GetProperty("status").GetString() == "completed", run + cluster.Logs());
        Assert.True(await cluster.HostOfAsync(runId, "run") is not { } now || (now != driver && now != generator), "the run grain still shows on a killed silo");
        var disturbed = await RlMetricsAsync(cluster, runId);
        foreach (var name in new[] { "rl/kl", "rl/proxy_reward", "rl/gold_reward" })
            Assert.True(Enumerable.Range(1, steps).SequenceEqual(disturbed.Where(m => m.Name == name).Select(m => m.Step)),
                $"{name} steps: {string.Join(",", disturbed.Where(m => m.Name == name).Select(m => m.Step))}\n{cluster.Logs()}");

        string twinId = await SubmitAsync(cluster, "silo-loss", steps);
        var twin = await WaitForRunAsync(cluster, twinId, Ended);
        Assert.True(twin.GetProperty("status").GetString() == "completed", twin.ToString());
        Assert.Equal(await RlMetricsAsync(cluster, twinId), disturbed);
    }

    static async Task<string> SubmitAsync(ClusterProcesses cluster, string name, int steps)
    {
        var submitted = await cluster.Api.PostAsync("/api/runs", TinySpecs.Json(name, steps, promptsPerStep: 8, samplesPerPrompt: 4));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        return (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    static bool Ended(JsonElement run) => run.GetProperty("status").GetString() is "completed" or "failed" or "cancelled";

    /// <summary>Every rl/ metric row of the run as (name, step, value), in a stable order.</summary>
    static async Task<List<(string Name, int Step, double Value)>> RlMetricsAsync(ClusterProcesses cluster, string runId)
    {
        var rows = new List<(string, int, double)>();
        foreach (var name in new[] { "rl/kl", "rl/proxy_reward", "rl/gold_reward", "rl/loss", "rl/length" })
        {
            var metrics = await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/metrics?name={name}&pageSize=1000");
            rows.AddRange(metrics.EnumerateArray().Select(m => (name, m.GetProperty("step").GetInt32(), m.GetProperty("value").GetDouble())));
        }
        return rows;
    }

    [Fact]
    public async Task SigtermToTheSiloDrivingARunPausesItAtAStepBoundaryAndAnotherSiloContinuesWithoutRedoingAStep()
    {
        const int steps = 30;
        await using var cluster = await ClusterProcesses.StartAsync(postgres, folder.Path, true, false, false);
        var submitted = await cluster.Api.PostAsync("/api/runs", TinySpecs.Json("sigterm", steps, promptsPerStep: 8, samplesPerPrompt: 4));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        string runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await WaitForRunAsync(cluster, runId, r => r.GetProperty("stage").GetString() == "policy" && r.GetProperty("step").GetInt32() >= 3);
        string driver = await cluster.HostOfAsync(runId, "run") ?? throw new InvalidOperationException("the run grain shows on no silo");
        var driverProcess = cluster.SiloAt(driver);
        driverProcess.Terminate();
        Assert.True(await driverProcess.WaitForExitAsync(TimeSpan.FromMinutes(2)), "the silo did not stop after SIGTERM\n" + cluster.Logs());
        Assert.True(driverProcess.ExitCode == 0, $"the silo exited {driverProcess.ExitCode} after SIGTERM\n{cluster.Logs()}");

        var run = await WaitForRunAsync(cluster, runId, r => r.GetProperty("status").GetString() is "completed" or "failed" or "cancelled");
        Assert.True(run.GetProperty("status").GetString() == "completed", run + cluster.Logs());
        var events = await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/events");
        var kinds = events.EnumerateArray().Select(e => (Kind: e.GetProperty("kind").GetString(), Message: e.GetProperty("message").GetString())).ToList();
        var paused = Assert.Single(kinds, e => e.Kind == "paused");
        Assert.Matches("paused after committed RL step [0-9]+ of 30", paused.Message);
        // The step in flight finished before the silo went: no step was cut off and redone.
        Assert.DoesNotContain(kinds, e => e.Kind == "retrying");
        Assert.Contains(kinds, e => e.Kind == "resuming");
        foreach (string name in new[] { "rl/kl", "rl/proxy_reward", "rl/gold_reward" })
        {
            var metrics = await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/metrics?name={name}");
            Assert.Equal(Enumerable.Range(1, steps), metrics.EnumerateArray().Select(m => m.GetProperty("step").GetInt32()));
        }
    }

    static async Task<JsonElement> WaitForRunAsync(ClusterProcesses cluster, string runId, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var run = await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}");
            if (done(run)) return run;
            if (run.GetProperty("status").GetString() is "failed" or "cancelled") throw new InvalidOperationException($"run ended: {run}\n{cluster.Logs()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {run}\n{cluster.Logs()}");
            await Task.Delay(300);
        }
    }
}
