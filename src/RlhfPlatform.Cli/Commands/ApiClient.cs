using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Commands;

/// <summary>Talks to a running admin API; a problem-details answer becomes an exception with its detail.</summary>
public sealed class ApiClient(string baseUrl) : IDisposable
{
    readonly HttpClient http = new() { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };

    public static Option<string> UrlOption() => new("--api")
    {
        Description = "Base URL of the admin API",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RLHF_API") ?? "http://127.0.0.1:8080",
    };

    public async Task<JsonElement> PostRunAsync(RunSpec spec, CancellationToken ct)
    {
        using var content = new StringContent(RunSpecParser.ToJson(spec), System.Text.Encoding.UTF8, "application/json");
        using var response = await SendAsync(() => http.PostAsync("api/runs", content, ct), ct);
        return await ReadAsync(response, ct);
    }

    public async Task<JsonElement> GetRunAsync(string runId, CancellationToken ct)
    {
        using var response = await SendAsync(() => http.GetAsync($"api/runs/{Uri.EscapeDataString(runId)}", ct), ct);
        return await ReadAsync(response, ct);
    }

    public async Task<JsonElement> ListRunsAsync(string? experiment, CancellationToken ct)
    {
        string query = experiment == null ? "" : $"?experiment={Uri.EscapeDataString(experiment)}";
        using var response = await SendAsync(() => http.GetAsync($"api/runs{query}", ct), ct);
        return await ReadAsync(response, ct);
    }

    public async Task<JsonElement> CancelRunAsync(string runId, CancellationToken ct)
    {
        using var response = await SendAsync(() => http.PostAsync($"api/runs/{Uri.EscapeDataString(runId)}/cancel", null, ct), ct);
        return await ReadAsync(response, ct);
    }

    public async Task<string> GetComparisonAsync(string experiment, string format, CancellationToken ct)
    {
        using var response = await SendAsync(() => http.GetAsync($"api/experiments/{Uri.EscapeDataString(experiment)}/comparison?format={format}", ct), ct);
        if (!response.IsSuccessStatusCode) throw await ProblemAsync(response, ct);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>Sends a request; no connection, or no answer within the timeout, becomes one clear error.</summary>
    async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send, CancellationToken ct)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new AdminApiUnreachableException($"cannot reach the admin API: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new AdminApiUnreachableException($"the admin API at {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} s", e);
        }
    }

    static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode) throw await ProblemAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
    }

    /// <summary>The one-line error for a failed answer: the problem details' detail when there is one, else the body.</summary>
    static async Task<AdminApiProblemException> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body = await response.Content.ReadAsStringAsync(ct);
        string detail = body;
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("detail", out var d))
                detail = d.GetString() ?? body;
        }
        catch (JsonException) { /* not JSON: the body itself is the message */ }
        return new AdminApiProblemException((int)response.StatusCode, detail);
    }

    public void Dispose() => http.Dispose();
}
