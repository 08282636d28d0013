using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RlhfPlatform.AdminApi.Experiments;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi;

/// <summary>The admin API under /api. Errors are RFC 7807 problem details.</summary>
public static class AdminApiEndpoints
{
    public static IEndpointRouteBuilder MapRlhfAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        var api = app.MapGroup("/api");
        api.MapGet("/healthz", () => Results.Ok(new { status = "ok" }));
        api.MapPost("/runs", SubmitRunAsync);
        api.MapGet("/runs", ListRunsAsync);
        api.MapGet("/runs/{id}", GetRunAsync);
        api.MapPost("/runs/{id}/cancel", CancelRunAsync);
        api.MapGet("/runs/{id}/metrics", GetMetricsAsync);
        api.MapGet("/experiments/{name}/comparison", GetComparisonAsync);
        api.MapClusterEndpoint();
        return app;
    }

    static async Task<IResult> SubmitRunAsync(HttpRequest request, RunSubmission submission, DataRoots roots, CancellationToken ct)
    {
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8)) body = await reader.ReadToEndAsync(ct);
        RunRecord run;
        try
        {
            run = await submission.SubmitAsync(RunSpecParser.Parse(body, roots: roots), ct);
        }
        catch (RunSpecException e)
        {
            return Results.Problem(title: "Invalid run spec", detail: e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        return Results.Created($"/api/runs/{run.RunId}", RunView.From(run, null, []));
    }

    static async Task<IResult> ListRunsAsync(string? experiment, IRunStore runs, CancellationToken ct)
    {
        var records = await runs.ListRunsAsync(experiment, ct);
        return Results.Ok(records.Select(r => RunView.From(r, null, [])));
    }

    static async Task<IResult> CancelRunAsync(string id, IRunStore runs, IGrainFactory grains, CancellationToken ct)
    {
        if (await runs.GetRunAsync(id, ct) == null) return RunNotFound(id);
        bool cancelled = await grains.GetGrain<IRunGrain>(id).Cancel();
        if (!cancelled)
            return Results.Problem(title: "Run already ended", detail: $"run '{id}' had already ended", statusCode: StatusCodes.Status409Conflict);
        return Results.Ok(RunView.From((await runs.GetRunAsync(id, ct))!, null, []));
    }

    /// <summary>Metric points, optionally one metric (?name=rl/kl), ordered by name then step.</summary>
    static async Task<IResult> GetMetricsAsync(string id, string? name, IRunStore runs, CancellationToken ct)
    {
        if (await runs.GetRunAsync(id, ct) == null) return RunNotFound(id);
        return Results.Ok(await runs.GetMetricsAsync(id, name, ct));
    }

    static IResult RunNotFound(string id) =>
        Results.Problem(title: "Run not found", detail: $"no run with id '{id}'", statusCode: StatusCodes.Status404NotFound);

    static async Task<IResult> GetRunAsync(string id, IRunStore runs, IGrainFactory grains, CancellationToken ct)
    {
        var run = await runs.GetRunAsync(id, ct);
        if (run == null) return RunNotFound(id);
        RunProgress? progress = run.Status.IsTerminal() ? null : await LiveProgress.TryGetAsync(grains, id);
        return Results.Ok(RunView.From(run, progress, await runs.GetResultsAsync(id, ct)));
    }

    /// <summary>JSON by default; ?format=csv, svg or png for the table and the reward-vs-KL plot (?plot=rl or bon).</summary>
    static async Task<IResult> GetComparisonAsync(string name, string? format, string? plot, IRunStore runs, CancellationToken ct)
    {
        var kind = (plot ?? "rl").ToLowerInvariant() switch
        {
            "rl" => ComparisonPlotKind.Rl,
            "bon" => ComparisonPlotKind.BestOfN,
            _ => (ComparisonPlotKind?)null,
        };
        if (kind == null)
            return Results.Problem(title: "Unknown plot", detail: $"plot '{plot}' is not one of rl, bon", statusCode: StatusCodes.Status400BadRequest);
        var comparison = await ExperimentComparison.BuildAsync(runs, name, ct);
        if (comparison.Rows.Count == 0)
            return Results.Problem(title: "Experiment not found", detail: $"no runs in experiment '{name}'", statusCode: StatusCodes.Status404NotFound);
        return (format ?? "json").ToLowerInvariant() switch
        {
            "json" => Results.Ok(comparison),
            "csv" => Results.Text(ComparisonCsv.Write(comparison), "text/csv"),
            "svg" => Results.Text(ComparisonPlot.Svg(comparison, kind.Value), "image/svg+xml"),
            "png" => Results.Bytes(ComparisonPlot.Png(comparison, kind.Value), "image/png"),
            _ => Results.Problem(title: "Unknown format", detail: $"format '{format}' is not one of json, csv, svg, png",
                statusCode: StatusCodes.Status400BadRequest),
        };
    }
}
