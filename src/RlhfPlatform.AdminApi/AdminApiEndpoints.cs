using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
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
        api.MapGet("/runs/{id}", GetRunAsync);
        return app;
    }

    static async Task<IResult> SubmitRunAsync(HttpRequest request, RunSubmission submission, CancellationToken ct)
    {
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8)) body = await reader.ReadToEndAsync(ct);
        RunSpec spec;
        try
        {
            spec = RunSpecParser.Parse(body);
        }
        catch (RunSpecException e)
        {
            return Results.Problem(title: "Invalid run spec", detail: e.Message, statusCode: StatusCodes.Status400BadRequest);
        }
        var run = await submission.SubmitAsync(spec, ct);
        return Results.Created($"/api/runs/{run.RunId}", RunView.From(run, null, []));
    }

    static async Task<IResult> GetRunAsync(string id, IRunStore runs, IGrainFactory grains, CancellationToken ct)
    {
        var run = await runs.GetRunAsync(id, ct);
        if (run == null) return Results.Problem(title: "Run not found", detail: $"no run with id '{id}'", statusCode: StatusCodes.Status404NotFound);
        RunProgress? progress = run.Status.IsTerminal() ? null : await grains.GetGrain<IRunGrain>(id).GetProgress();
        return Results.Ok(RunView.From(run, progress, await runs.GetResultsAsync(id, ct)));
    }
}
