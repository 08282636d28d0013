using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// Talks to a running admin API with the key in RLHF_API_KEY (sent as a bearer token, never printed);
/// a problem-details answer becomes an exception with its detail.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public const string KeyVariable = "RLHF_API_KEY";
    readonly HttpClient http;

    public ApiClient(string baseUrl)
    {
        http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
        if (Environment.GetEnvironmentVariable(KeyVariable) is { Length: > 0 } key)
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Trim());
    }

    public static Option<string> UrlOption() => new("--api")
    {
        Description = "Base URL of the admin API",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RLHF_API") ?? "http://127.0.0.1:8080",
    };

    public Task<JsonElement> PostRunAsync(RunSpec spec, string idempotencyKey, CancellationToken ct) =>
        PostAsync("api/runs", RunSpecParser.ToJson(spec), idempotencyKey, ct);

    /// <summary>An experiment spec as the user wrote it (the server expands it into runs).</summary>
    public Task<JsonElement> PostExperimentAsync(string experimentJson, string idempotencyKey, CancellationToken ct) =>
        PostAsync("api/experiments", experimentJson, idempotencyKey, ct);

    /// <summary>POST /api/keys (operator key): the answer holds the new key, once.</summary>
    public Task<JsonElement> CreateKeyAsync(string role, string name, CancellationToken ct) =>
        PostAsync("api/keys", JsonSerializer.Serialize(new { role, name }), null, ct);

    public async Task<JsonElement> ListKeysAsync(CancellationToken ct)
    {
        using var response = await SendAsync(() => http.GetAsync("api/keys", ct), ct);
        return await ReadAsync(response, ct);
    }

    public async Task<JsonElement> RevokeKeyAsync(string keyId, CancellationToken ct)
    {
        using var response = await SendAsync(() => http.PostAsync($"api/keys/{Uri.EscapeDataString(keyId)}/revoke", null, ct), ct);
        return await ReadAsync(response, ct);
    }

    async Task<JsonElement> PostAsync(string path, string json, string? idempotencyKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        if (idempotencyKey != null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await SendAsync(() => http.SendAsync(request, ct), ct);
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
