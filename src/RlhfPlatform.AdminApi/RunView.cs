using RlhfPlatform.Contracts;

namespace RlhfPlatform.AdminApi;

/// <summary>A run as the API shows it: the record, its live progress and its final figures.</summary>
public sealed record RunView(
    string Id, string Experiment, string Name, string Status, string Stage,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Error,
    int Step, int TotalSteps, IReadOnlyDictionary<string, double> Results, string? Waiting)
{
    public static RunView From(RunRecord run, RunProgress? progress, IReadOnlyList<RunResult> results) => new(
        run.RunId, run.Experiment, run.Name,
        (progress?.Status ?? run.Status).ToWire(), (progress?.Stage ?? run.Stage).ToWire(),
        run.CreatedAt, run.UpdatedAt, run.Error ?? progress?.Error,
        progress?.Step ?? 0, progress?.TotalSteps ?? 0,
        results.ToDictionary(r => r.Key, r => r.Value), progress?.Waiting);
}
