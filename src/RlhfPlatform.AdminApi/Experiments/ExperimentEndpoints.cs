using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using RlhfPlatform.AdminApi.Access;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage;

namespace RlhfPlatform.AdminApi.Experiments;

/// <summary>The shape of an experiment spec (schemas/experiment-spec.schema.json) as the OpenAPI document shows it.</summary>
public sealed record ExperimentSpecDocument(string Experiment, RunSpec Base, RewardModelSpec[] RewardModels, int[] Seeds);

/// <summary>An experiment's submitted runs: one per (reward model, seed).</summary>
public sealed record ExperimentSubmitted(string Experiment, IReadOnlyList<RunView> Runs);

/// <summary>/api/experiments: submit one, compare its runs.</summary>
static class ExperimentEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/experiments", SubmitAsync).RequireAuthorization(AccessPolicies.Operator)
            .Accepts<ExperimentSpecDocument>("application/json")
            .Produces<ExperimentSubmitted>(StatusCodes.Status201Created).Produces<ExperimentSubmitted>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapGet("/experiments/{name}/comparison", GetComparisonAsync).RequireAuthorization(AccessPolicies.Reader)
            .Produces<ExperimentComparison>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    static Task<IResult> SubmitAsync(HttpRequest request, IdempotentSubmission submission, DataRoots roots, CancellationToken ct) =>
        SubmissionEndpoint.SubmitAsync(request, submission, "Invalid experiment spec", body => ExperimentSpecParser.Expand(body, roots: roots),
            (runs, created) =>
            {
                var answer = new ExperimentSubmitted(runs[0].Experiment, runs);
                return created ? Results.Created($"/api/experiments/{Uri.EscapeDataString(answer.Experiment)}/comparison", answer) : Results.Ok(answer);
            }, ct);

    /// <summary>JSON by default; ?format=csv, svg or png for the table and the reward-vs-KL plot (?plot=rl or bon).</summary>
    static async Task<IResult> GetComparisonAsync(string name, string? format, string? plot, IRunStore runs, CancellationToken ct)
    {
        var kind = (plot ?? "rl").ToLowerInvariant() switch
        {
            "rl" => ComparisonPlotKind.Rl,
            "bon" => ComparisonPlotKind.BestOfN,
            _ => (ComparisonPlotKind?)null,
        };
        if (kind == null) return Problems.BadRequest("Unknown plot", $"plot '{plot}' is not one of rl, bon");
        var comparison = await ExperimentComparison.BuildAsync(runs, name, ct);
        if (comparison.Rows.Count == 0) return Problems.NotFound("Experiment not found", $"no runs in experiment '{name}'");
        return (format ?? "json").ToLowerInvariant() switch
        {
            "json" => Results.Ok(comparison),
            "csv" => Results.Text(ComparisonCsv.Write(comparison), "text/csv"),
            "svg" => Results.Text(ComparisonPlot.Svg(comparison, kind.Value), "image/svg+xml"),
            "png" => Results.Bytes(ComparisonPlot.Png(comparison, kind.Value), "image/png"),
            _ => Problems.BadRequest("Unknown format", $"format '{format}' is not one of json, csv, svg, png"),
        };
    }
}
