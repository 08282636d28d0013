using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi;

/// <summary>Probes, open without a key: /api/healthz (the process answers) and /api/readyz (what it depends on answers).</summary>
static class HealthEndpoints
{
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/healthz", () => Results.Ok(new { status = "ok" })).AllowAnonymous();
        api.MapGet("/readyz", ReadyAsync).AllowAnonymous().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>200 with each check "ok", or 503 naming the checks that failed (never their error text, which may hold endpoints).</summary>
    static async Task<IResult> ReadyAsync(IRunStore runs, ICheckpointStore checkpoints, IGrainFactory grains, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger("RlhfPlatform.AdminApi.Readiness");
        var checks = new Dictionary<string, string>
        {
            ["runStore"] = await ProbeAsync("run store", t => runs.GetRunAsync("readyz-probe", t), logger, ct),
            ["checkpointStore"] = await ProbeAsync("checkpoint store", t => checkpoints.ExistsAsync("readyz-probe", "probe", 0, t), logger, ct),
            ["cluster"] = await ProbeAsync("cluster", _ => grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true), logger, ct),
        };
        var failed = checks.Where(c => c.Value != "ok").Select(c => c.Key).ToList();
        if (failed.Count == 0) return Results.Ok(new { status = "ready", checks });
        return Results.Problem(title: "Not ready", detail: $"unreachable: {string.Join(", ", failed)}",
            statusCode: StatusCodes.Status503ServiceUnavailable, extensions: new Dictionary<string, object?> { ["checks"] = checks });
    }

    static async Task<string> ProbeAsync(string what, Func<CancellationToken, Task> probe, ILogger logger, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await probe(timeout.Token).WaitAsync(timeout.Token);
            return "ok";
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("readiness: {Dependency} failed: {Failure}", what, e.GetType().Name);
            return "unreachable";
        }
    }
}
