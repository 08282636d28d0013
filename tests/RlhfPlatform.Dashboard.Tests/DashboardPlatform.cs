using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RlhfPlatform.Cli.Tests;

namespace RlhfPlatform.Dashboard.Tests;

/// <summary>
/// One real `rlhf serve` that requires keys, with a reader and an operator key from `rlhf keys create`,
/// a finished experiment (2 reward models × 2 seeds) and one finished run in another experiment, and
/// the headless Chromium that looks at its dashboard. Shared by every dashboard test (they run one after another).
/// </summary>
public sealed class DashboardPlatform : IAsyncLifetime
{
    public const string Experiment = "dash-compare", OtherExperiment = "dash-other";

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-dashboard-").FullName;
    ServedPlatform? platform;
    HttpClient? operatorHttp;

    public string ReaderKey { get; private set; } = "";
    public string OperatorKey { get; private set; } = "";
    public string Url => Served.Url;
    /// <summary>The API with the reader key.</summary>
    public HttpClient Http => Served.Http;
    public IReadOnlyList<string> ExperimentRunIds { get; private set; } = [];
    public string OtherRunId { get; private set; } = "";
    public HeadlessChromium Browser { get; private set; } = null!;

    ServedPlatform Served => platform ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        string outDirectory = Path.Combine(folder, "out");
        ReaderKey = await ServedPlatform.CreateKeyAsync(outDirectory, "reader", "dashboard-reader");
        OperatorKey = await ServedPlatform.CreateKeyAsync(outDirectory, "operator", "dashboard-operator");
        var starting = ServedPlatform.StartAsync(outDirectory, key: ReaderKey);
        var launching = HeadlessChromium.LaunchAsync();
        platform = await starting;
        Browser = await launching;
        operatorHttp = new HttpClient { BaseAddress = new Uri(platform.Url) };
        operatorHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);

        string experiment = $$"""
        {
          "experiment": "{{Experiment}}",
          "base": { {{TinySpecs.Body}} },
          "rewardModels": [ { "name": "bt", "objective": "bt" }, { "name": "bsr", "objective": "bsr", "hyperparameters": { "bsrLambda": 0.01 } } ],
          "seeds": [1, 2]
        }
        """;
        var submitted = await PostAsync("/api/experiments", experiment);
        ExperimentRunIds = submitted.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
        OtherRunId = await SubmitRunAsync("solo", OtherExperiment);
        foreach (string runId in ExperimentRunIds.Append(OtherRunId)) await WaitUntilCompletedAsync(runId);
    }

    /// <summary>Submits a tiny run (with <paramref name="rlSteps"/> RL steps) with the operator key; returns its id.</summary>
    public async Task<string> SubmitRunAsync(string name, string experiment, int rlSteps = 2)
    {
        string spec = TinySpecs.Run(name, experiment);
        Assert.Contains("\"rl\": { \"steps\": 2,", spec);
        spec = spec.Replace("\"rl\": { \"steps\": 2,", $"\"rl\": {{ \"steps\": {rlSteps},");
        return (await PostAsync("/api/runs", spec)).GetProperty("id").GetString()!;
    }

    public Task CancelAsync(string runId) => PostAsync($"/api/runs/{runId}/cancel", "");

    /// <summary>A new key through the API (POST /api/keys with the operator key): its id and the key.</summary>
    public async Task<(string Id, string Key)> CreateKeyAsync(string role, string name)
    {
        var created = await PostAsync("/api/keys", $$"""{ "role": "{{role}}", "name": "{{name}}" }""");
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }

    public Task RevokeKeyAsync(string keyId) => PostAsync($"/api/keys/{keyId}/revoke", "");

    public Task<JsonElement> WaitUntilCompletedAsync(string runId) =>
        Served.WaitForRunAsync(runId, r => r.GetProperty("status").GetString() == "completed", TimeSpan.FromMinutes(2));

    async Task<JsonElement> PostAsync(string path, string json)
    {
        using var response = await operatorHttp!.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    public async Task<JsonElement> GetJsonAsync(string path) => await Http.GetFromJsonAsync<JsonElement>(path);

    public async Task DisposeAsync()
    {
        if (Browser != null) await Browser.DisposeAsync();
        operatorHttp?.Dispose();
        if (platform != null) await platform.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardPlatform>
{
    public const string Name = "dashboard";
}
