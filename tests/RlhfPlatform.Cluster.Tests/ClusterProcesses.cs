using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Cli.Tests;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>
/// `rlhf serve` processes forming one cluster on PostgreSQL membership: silos (--role silo) and an
/// admin API (--role api), over a PostgreSQL run store and a checkpoint folder they share.
/// </summary>
sealed class ClusterProcesses : IAsyncDisposable
{
    readonly Dictionary<string, string> shared;
    readonly List<(string Name, RlhfProcess Process)> processes = [];
    readonly Dictionary<int, RlhfProcess> silosByPort = [];
    readonly List<(string Name, bool Heavy, RlhfProcess Process)> silos = [];
    readonly string folder;

    ClusterProcesses(string folder, string connectionString, string clusterId)
    {
        this.folder = folder;
        shared = new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = connectionString,
            ["Rlhf__CheckpointStore__Kind"] = "local",
            ["Rlhf__CheckpointStore__Path"] = Path.Combine(folder, "checkpoints"),
            ["Rlhf__Cluster__Kind"] = "postgres",
            ["Rlhf__Cluster__ConnectionString"] = connectionString,
            ["Rlhf__Cluster__ClusterId"] = clusterId,
            ["Rlhf__ComputeThreads"] = "1",
            ["Rlhf__Runs__DrivePeriodSeconds"] = "5",
        };
    }

    public HttpClient Api { get; private set; } = null!;

    public static async Task<ClusterProcesses> StartAsync(PostgresServerFixture postgres, string folder, params bool[] heavySilos)
    {
        var cluster = new ClusterProcesses(folder, await postgres.CreateDatabaseAsync(), "c" + Guid.NewGuid().ToString("N")[..8]);
        for (int i = 0; i < heavySilos.Length; i++) cluster.StartSilo($"silo{i}", heavySilos[i]);
        await cluster.StartApiAsync();
        await cluster.WaitForActiveSilosAsync(heavySilos.Length);
        return cluster;
    }

    public void StartSilo(string name, bool heavy)
    {
        int siloPort = FreeTcpPort.Pick();
        var environment = new Dictionary<string, string>(shared)
        {
            ["Rlhf__Cluster__SiloPort"] = siloPort.ToString(),
            ["Rlhf__Cluster__GatewayPort"] = FreeTcpPort.Pick().ToString(),
            ["Rlhf__Silo__Heavy"] = heavy ? "true" : "false",
            ["Rlhf__WorkDirectory"] = Path.Combine(folder, name),
        };
        var process = RlhfProcess.Start(["serve", "--role", "silo", "--urls", $"http://127.0.0.1:{FreeTcpPort.Pick()}"], environment);
        processes.Add((name, process));
        silosByPort[siloPort] = process;
        silos.Add((name, heavy, process));
    }

    /// <summary>
    /// Free ports are picked, then released, then bound by the silo: a test process running beside this
    /// one can take a port in between. A silo that died of that is started again on other ports.
    /// </summary>
    void RestartSilosThatLostTheirPorts()
    {
        foreach (var silo in silos.ToList())
        {
            if (!silo.Process.HasExited) continue;
            if (!silo.Process.Stderr.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                && !silo.Process.Stdout.Contains("address already in use", StringComparison.OrdinalIgnoreCase)) continue;
            silos.Remove(silo);
            StartSilo(silo.Name + "-again", silo.Heavy);
        }
    }

    /// <summary>Kills the silo process whose address /api/cluster shows ("S127.0.0.1:PORT:GENERATION"), as a crash would.</summary>
    public Task KillSiloAsync(string address) => SiloAt(address).KillAsync();

    /// <summary>The silo process at an address /api/cluster shows.</summary>
    public RlhfProcess SiloAt(string address) => silosByPort[int.Parse(address.Split(':')[1])];

    /// <summary>The address of the active silo hosting <paramref name="grainType"/> of <paramref name="runId"/>, if any.</summary>
    public async Task<string?> HostOfAsync(string runId, string grainType)
    {
        foreach (var silo in ActiveSilos(await GetClusterAsync()))
            foreach (var run in silo.GetProperty("runs").EnumerateArray().Where(r => r.GetProperty("runId").GetString() == runId))
                if (run.GetProperty("grains").EnumerateArray().Any(g => g.GetString()!.StartsWith(grainType + "/", StringComparison.Ordinal)))
                    return silo.GetProperty("address").GetString();
        return null;
    }

    async Task StartApiAsync()
    {
        string url = $"http://127.0.0.1:{FreeTcpPort.Pick()}";
        processes.Add(("api", RlhfProcess.Start(["serve", "--role", "api", "--urls", url, "--insecure-no-auth"], shared)));
        Api = new HttpClient { BaseAddress = new Uri(url) };
        await WaitAsync(async () => (await Api.GetAsync("/api/healthz")).IsSuccessStatusCode, TimeSpan.FromSeconds(90), "the api process did not come up");
    }

    public async Task<JsonElement> GetClusterAsync() => await Api.GetFromJsonAsync<JsonElement>("/api/cluster");

    public static IEnumerable<JsonElement> ActiveSilos(JsonElement cluster) =>
        cluster.GetProperty("silos").EnumerateArray().Where(s => s.GetProperty("status").GetString() == "active");

    public Task WaitForActiveSilosAsync(int count) => WaitAsync(async () =>
    {
        RestartSilosThatLostTheirPorts();
        var response = await Api.GetAsync("/api/cluster");
        return response.IsSuccessStatusCode && ActiveSilos(await response.Content.ReadFromJsonAsync<JsonElement>()).Count() == count;
    }, TimeSpan.FromSeconds(120), $"{count} active silos never showed in /api/cluster");

    async Task WaitAsync(Func<Task<bool>> done, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await done()) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{failure}\n{Logs()}");
            await Task.Delay(300);
        }
    }

    public string Logs() => string.Join("\n", processes.Select(p => $"--- {p.Name}\n{p.Process.Stdout}\n{p.Process.Stderr}"));

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        foreach (var (_, process) in processes) await process.DisposeAsync();
    }
}
