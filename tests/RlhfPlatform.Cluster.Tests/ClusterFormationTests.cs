using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>Silo and API processes form one cluster on PostgreSQL membership; heavy grains stay on the silo that advertises heavy work.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFormationTests(PostgresServerFixture postgres) : IDisposable
{
    readonly TempFolder folder = new("rlhf-cluster-");

    public void Dispose() => folder.Dispose();

    static readonly string[] HeavyGrainTypes = ["policytrainer", "rewardmodeltrainer", "rewardscorer", "rolloutgenerator", "evaluator"];

    [Fact]
    public async Task ARunSubmittedToTheApiCompletesWithEveryHeavyGrainOnTheHeavySilo()
    {
        await using var cluster = await ClusterProcesses.StartAsync(postgres, folder.Path, true, false, false);
        var view = await cluster.GetClusterAsync();
        var silos = ClusterProcesses.ActiveSilos(view).ToList();
        Assert.Equal([false, false, true], silos.Select(s => s.GetProperty("heavy").GetBoolean()).Order());
        Assert.All(silos, s => Assert.Equal("cpu", s.GetProperty("device").GetString()));
        string heavyAddress = silos.Single(s => s.GetProperty("heavy").GetBoolean()).GetProperty("address").GetString()!;

        var submitted = await cluster.Api.PostAsync("/api/runs", TinySpecs.Json("clustered", 6));
        Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync() + cluster.Logs());
        string runId = (await submitted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        var placements = new HashSet<(string Silo, string GrainType)>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        string status;
        do
        {
            await Task.Delay(500);
            foreach (var silo in ClusterProcesses.ActiveSilos(await cluster.GetClusterAsync()))
                foreach (var run in silo.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("runId").GetString() == runId))
                    foreach (var grain in run.GetProperty("grains").EnumerateArray())
                        placements.Add((silo.GetProperty("address").GetString()!, grain.GetString()!.Split('/')[0]));
            status = (await cluster.Api.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}")).GetProperty("status").GetString()!;
            Assert.True(DateTime.UtcNow < deadline, $"run still {status}\n{cluster.Logs()}");
        } while (status is "pending" or "running");

        Assert.True(status == "completed", $"run {status}\n{cluster.Logs()}");
        Assert.Contains(placements, p => p.GrainType == "policytrainer");
        Assert.Contains(placements, p => p.GrainType == "rolloutgenerator");
        Assert.All(placements.Where(p => HeavyGrainTypes.Contains(p.GrainType)), p => Assert.Equal(heavyAddress, p.Silo));
    }
}
