using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using RlhfPlatform.Training.Evaluation;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>One eval set's figures as printed and written by the rm commands.</summary>
public sealed record RmEvalRow(string Name, int Pairs, double Accuracy, double RewardMean, double RewardStd, int RankingSets, double? KendallTau,
    double? HiddenNormMean, double? HiddenNormStd, double? HiddenNormSkew,
    double? PairDiffNormMean, double? PairDiffNormStd, double? PairDiffNormSkew, double? EffectiveRank)
{
    public static RmEvalRow Of(RewardEvalReport r) => new(r.Name, r.Pairs, r.Accuracy, r.RewardMean, r.RewardStd, r.RankingSets, r.KendallTau,
        r.Hidden?.Norm.Mean, r.Hidden?.Norm.Std, r.Hidden?.Norm.Skew,
        r.Hidden?.PairDifferenceNorm.Mean, r.Hidden?.PairDifferenceNorm.Std, r.Hidden?.PairDifferenceNorm.Skew, r.Hidden?.EffectiveRank);
}

/// <summary>What `rm train` reports and writes to training_summary.json.</summary>
public sealed record RmSummary(string Method, string Head, int Members, string Aggregate, string Out, string Data, int Seed, int StepsPerMember,
    string DataReport, int LabelsFlipped, IReadOnlyList<string> DataWarnings, IReadOnlyDictionary<string, double> LastStep, IReadOnlyList<RmEvalRow> Evals)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static RmSummary Of(RewardModelJobRequest request, RewardModelJobResult job, string outFolder) => new(
        job.Objective.Name, job.Model.Config.RewardHead, job.Model.Members.Count, job.Model.Aggregate, outFolder, request.Data, request.Seed,
        job.StepsPerMember, job.TrainReport.Summary(), job.TrainReport.LabelsFlipped, job.TrainReport.Warnings,
        job.LastStepMetrics, job.Evals.Select(RmEvalRow.Of).ToArray());

    public static void Print(RmSummary summary)
    {
        AnsiConsole.MarkupLine($"[bold]reward model[/] {Markup.Escape(summary.Method)} ({summary.Head} head" +
                               (summary.Members > 1 ? $", {summary.Members} members, {summary.Aggregate}" : "") + $") → {Markup.Escape(summary.Out)}");
        AnsiConsole.MarkupLine($"data: {Markup.Escape(summary.DataReport)}");
        foreach (var warning in summary.DataWarnings) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        if (summary.LastStep.Count > 0)
            AnsiConsole.MarkupLine("last step: " + string.Join(", ", summary.LastStep.Where(kv => kv.Key.StartsWith("rm/", StringComparison.Ordinal))
                .Select(kv => $"{kv.Key[3..]} {Format(kv.Value)}")));
        PrintEvals(summary.Evals);
    }

    public static void PrintEvals(IReadOnlyList<RmEvalRow> rows)
    {
        if (rows.Count == 0) return;
        var table = new Table().AddColumns("eval set", "pairs", "accuracy", "reward mean", "reward std", "Kendall τ (sets)", "‖h‖ mean/std/skew", "‖h_c-h_r‖ mean/std", "eff. rank");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Name), r.Pairs.ToString(CultureInfo.InvariantCulture), Format(r.Accuracy), Format(r.RewardMean), Format(r.RewardStd),
                r.KendallTau is { } tau ? $"{Format(tau)} ({r.RankingSets})" : "-",
                r.HiddenNormMean is { } m ? $"{Format(m)} / {Format(r.HiddenNormStd!.Value)} / {Format(r.HiddenNormSkew!.Value)}" : "-",
                r.PairDiffNormMean is { } d ? $"{Format(d)} / {Format(r.PairDiffNormStd!.Value)}" : "-",
                r.EffectiveRank is { } rank ? Format(rank) : "-");
        AnsiConsole.Write(table);
    }

    static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
