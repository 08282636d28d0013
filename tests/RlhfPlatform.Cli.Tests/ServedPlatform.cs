using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>
/// An `rlhf serve` process (silo + admin API) on free loopback ports, over embedded stores in a folder:
/// with <c>--insecure-no-auth</c>, or, given a key, requiring keys (<see cref="Http"/> then sends that key).
/// </summary>
sealed class ServedPlatform : IAsyncDisposable
{
    readonly RlhfProcess process;

    ServedPlatform(RlhfProcess process, string url)
    {
        this.process = process;
        Url = url;
        Http = new HttpClient { BaseAddress = new Uri(url) };
    }

    public string Url { get; }
    public HttpClient Http { get; }

    public string Stdout => process.Stdout;
    public string Stderr => process.Stderr;

    /// <param name="key">a key in the store under <paramref name="outDirectory"/> (see <see cref="CreateKeyAsync"/>); null: no auth</param>
    public static async Task<ServedPlatform> StartAsync(string outDirectory, IReadOnlyDictionary<string, string>? extraEnvironment = null, string? key = null)
    {
        string url = $"http://127.0.0.1:{FreePort()}";
        var environment = new Dictionary<string, string>
        {
            ["Rlhf__Cluster__SiloPort"] = FreePort().ToString(),
            ["Rlhf__Cluster__GatewayPort"] = FreePort().ToString(),
            ["Rlhf__ComputeThreads"] = "1",
            // A restarted process finds the killed one's driver lease: let it expire in seconds, not half a minute.
            ["Rlhf__Runs__DrivePeriodSeconds"] = "3",
            ["Rlhf__Runs__LeaseSeconds"] = "6",
        };
        foreach (var (name, value) in extraEnvironment ?? new Dictionary<string, string>()) environment[name] = value;
        string[] args = ["serve", "--urls", url, "--out", outDirectory, .. key == null ? new[] { "--insecure-no-auth" } : []];
        var platform = new ServedPlatform(RlhfProcess.Start(args, environment), url);
        if (key != null) platform.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        await platform.WaitUntilHealthyAsync();
        return platform;
    }

    /// <summary>`rlhf keys create` into the store under <paramref name="outDirectory"/>; returns the printed key.</summary>
    public static async Task<string> CreateKeyAsync(string outDirectory, string role, string name = "tests")
    {
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["keys", "create", "--role", role, "--name", name, "--out", outDirectory]);
        Assert.True(exit == 0, stderr);
        return stdout.Trim();
    }

    public async Task<JsonElement> GetRunAsync(string runId, CancellationToken ct) =>
        await Http.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}", ct);

    /// <summary>Polls the run until <paramref name="done"/> holds; fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForRunAsync(string runId, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var run = await GetRunAsync(runId, deadline.Token);
            if (done(run)) return run;
            if (run.GetProperty("status").GetString() is "failed" or "cancelled")
                throw new InvalidOperationException($"run ended early: {run}");
            await Task.Delay(100, deadline.Token);
        }
    }

    public Task KillAsync() => process.KillAsync();

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => process.WaitForExitAsync(timeout);

    async Task WaitUntilHealthyAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                if ((await Http.GetAsync("/api/healthz", deadline.Token)).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            if (deadline.IsCancellationRequested) throw new TimeoutException($"serve did not come up:\n{process.Stdout}\n{process.Stderr}");
            await Task.Delay(200, deadline.Token);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await process.DisposeAsync();
    }
}
