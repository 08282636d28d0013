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

    [Fact]
    public async Task KillingTheSiloDrivingARunMidRlLeavesARunThatCompletesWithOneRowPerStep()
    {
        const int steps = 40;
        await using var cluster = await ClusterProcesses.StartAsync(postgres, folder.Path, true, false, false);
        var submitted = await cluster.Api.PostAsync("/api/runs",
            TinySpecs.Json("silo-loss", steps, promptsPerStep: 8, samplesPerPrompt: 4));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        string runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        JsonElement run = await WaitForRunAsync(cluster, runId, r => r.GetProperty("stage").GetString() == "policy" && r.GetProperty("step").GetInt32() >= 3);
        string driver = await cluster.HostOfAsync(runId, "run") ?? throw new InvalidOperationException("the run grain shows on no silo");
        string trainer = await cluster.HostOfAsync(runId, "policytrainer") ?? throw new InvalidOperationException("the trainer shows on no silo");
        Assert.True(trainer != driver, $"the driver prefers a light silo, but shares {driver} with the trainer");
        await cluster.KillSiloAsync(driver);

        run = await WaitForRunAsync(cluster, runId, r => r.GetProperty("status").GetString() is "completed" or "failed" or "cancelled");
        Assert.True(run.GetProperty("status").GetString() == "completed", run + cluster.Logs());
        Assert.True(await cluster.HostOfAsync(runId, "run") != driver, "the run grain still shows on the killed silo");

        var submittedRun = await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/metrics?name=rl/kl");
        Assert.True(Enumerable.Range(1, steps).SequenceEqual(submittedRun.EnumerateArray().Select(m => m.GetProperty("step").GetInt32())),
            $"rl/kl steps: {submittedRun}\n{cluster.Logs()}");
        foreach (string name in new[] { "rl/proxy_reward", "rl/gold_reward" })
        {
            var metrics = await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/metrics?name={name}");
            Assert.Equal(Enumerable.Range(1, steps), metrics.EnumerateArray().Select(m => m.GetProperty("step").GetInt32()));
        }
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
