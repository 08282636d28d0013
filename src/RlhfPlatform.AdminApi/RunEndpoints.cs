using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RlhfPlatform.AdminApi.Access;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi;

/// <summary>/api/runs: submit, list, read, cancel, and a run's metrics, events and checkpoints.</summary>
static class RunEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/runs", SubmitAsync).RequireAuthorization(AccessPolicies.Operator)
            .Accepts<RunSpec>("application/json").Produces<RunView>(StatusCodes.Status201Created).Produces<RunView>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/runs", ListAsync).RequireAuthorization(AccessPolicies.Reader).Produces<RunView[]>();
        api.MapGet("/runs/{id}", GetAsync).RequireAuthorization(AccessPolicies.Reader).Produces<RunView>().ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/runs/{id}/cancel", CancelAsync).RequireAuthorization(AccessPolicies.Operator).Produces<RunView>()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/runs/{id}/metrics", GetMetricsAsync).RequireAuthorization(AccessPolicies.Reader).Produces<MetricPoint[]>();
        api.MapGet("/runs/{id}/events", GetEventsAsync).RequireAuthorization(AccessPolicies.Reader).Produces<RunEvent[]>();
        api.MapGet("/runs/{id}/checkpoints", GetCheckpointsAsync).RequireAuthorization(AccessPolicies.Reader).Produces<CheckpointRef[]>();
    }

    static Task<IResult> SubmitAsync(HttpRequest request, IdempotentSubmission submission, DataRoots roots, CancellationToken ct) =>
        SubmissionEndpoint.SubmitAsync(request, submission, "Invalid run spec", body => [RunSpecParser.Parse(body, roots: roots)],
            (runs, created) => created ? Results.Created($"/api/runs/{runs[0].Id}", runs[0]) : Results.Ok(runs[0]), ct);

    /// <summary>Newest first; ?experiment, ?status, ?page, ?pageSize (at most 500).</summary>
    static async Task<IResult> ListAsync(string? experiment, string? status, int? page, int? pageSize, IRunStore runs, HttpResponse response, CancellationToken ct)
    {
        if (Paging.TryCreate(page, pageSize, 100, 500, out var paging) is { } problem) return Problems.BadRequest("Invalid paging", problem);
        RunStatus? wanted = null;
        if (status != null)
        {
            var known = Enum.GetValues<RunStatus>().Where(s => s.ToWire() == status).ToList();
            if (known.Count == 0)
                return Problems.BadRequest("Unknown status", $"status must be one of {string.Join(", ", Enum.GetValues<RunStatus>().Select(s => s.ToWire()))}");
            wanted = known[0];
        }
        var found = await runs.ListRunsPageAsync(experiment, wanted, paging.Request, ct);
        response.Headers["X-Total-Count"] = found.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Results.Ok(found.Runs.Select(r => RunView.From(r, null, [])));
    }

    static async Task<IResult> GetAsync(string id, IRunStore runs, IGrainFactory grains, CancellationToken ct)
    {
        var run = await runs.GetRunAsync(id, ct);
        if (run == null) return Problems.RunNotFound(id);
        RunProgress? progress = run.Status.IsTerminal() ? null : await LiveProgress.TryGetAsync(grains, id);
        return Results.Ok(RunView.From(run, progress, await runs.GetResultsAsync(id, ct)));
    }

    static async Task<IResult> CancelAsync(string id, IRunStore runs, IGrainFactory grains, CancellationToken ct)
    {
        if (await runs.GetRunAsync(id, ct) == null) return Problems.RunNotFound(id);
        bool cancelled = await grains.GetGrain<IRunGrain>(id).Cancel();
        if (!cancelled) return Problems.Conflict("Run already ended", $"run '{id}' had already ended");
        return Results.Ok(RunView.From((await runs.GetRunAsync(id, ct))!, null, []));
    }

    /// <summary>Metric points ordered by name then step; ?name=rl/kl, ?fromStep, ?page, ?pageSize (at most 10000).</summary>
    static async Task<IResult> GetMetricsAsync(string id, string? name, long? fromStep, int? page, int? pageSize, IRunStore runs, CancellationToken ct)
    {
        if (Paging.TryCreate(page, pageSize, 10_000, 10_000, out var paging) is { } problem) return Problems.BadRequest("Invalid paging", problem);
        if (await runs.GetRunAsync(id, ct) == null) return Problems.RunNotFound(id);
        return Results.Ok(await runs.GetMetricsPageAsync(id, name, fromStep, paging.Request, ct));
    }

    /// <summary>In the order they happened; ?page, ?pageSize (at most 1000).</summary>
    static async Task<IResult> GetEventsAsync(string id, int? page, int? pageSize, IRunStore runs, CancellationToken ct)
    {
        if (Paging.TryCreate(page, pageSize, 200, 1000, out var paging) is { } problem) return Problems.BadRequest("Invalid paging", problem);
        if (await runs.GetRunAsync(id, ct) == null) return Problems.RunNotFound(id);
        return Results.Ok(await runs.GetEventsPageAsync(id, paging.Request, ct));
    }

    static async Task<IResult> GetCheckpointsAsync(string id, IRunStore runs, CancellationToken ct)
    {
        if (await runs.GetRunAsync(id, ct) == null) return Problems.RunNotFound(id);
        return Results.Ok(await runs.GetCheckpointsAsync(id, ct));
    }
}
