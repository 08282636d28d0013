using System.CommandLine;
using System.Text.Json;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.RewardModels;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>`rlhf rm eval`: pairwise accuracy, reward calibration, Kendall τ (ranking data) and hidden-state diagnostics of a trained reward model.</summary>
public static class RmEvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Reward model folder written by rm train", Required = true };
        var data = new Option<string[]>("--data") { Description = "Eval data FILE or NAME=FILE (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip malformed records (counted) instead of failing" };
        var aggregate = new Option<string?>("--aggregate") { Description = "Ensemble: mean or min (default: as trained)" };
        var command = new Command("eval", "Evaluate a reward model on preference or ranking data") { model, data, json, skipInvalid, aggregate };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            await Task.Yield();
            using var rm = RewardModelFolder.Load(result.GetValue(model)!, result.GetValue(aggregate));
            var encoder = new PairEncoder(rm.Tokenizer, rm.Config.MaxPositions);
            var sets = (result.GetValue(data) ?? []).Select(v => v.Contains('=') ? EvalSpecs.Parse([v])[0] : (Path.GetFileNameWithoutExtension(v), v));
            var rows = new List<RmEvalRow>();
            var warnings = new List<string>();
            foreach (var (name, path) in sets)
            {
                ct.ThrowIfCancellationRequested();
                var set = PreferenceEvalSet.Load(name, path, encoder, result.GetValue(skipInvalid));
                rows.Add(RmEvalRow.Of(RewardModelEvaluation.Evaluate(rm, set)));
                warnings.Add($"{name}: {set.Report.Summary()}");
                warnings.AddRange(set.Report.Warnings);
            }
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(new { evals = rows, data = warnings }, RmSummary.Json));
            else
            {
                foreach (var w in warnings) AnsiConsole.MarkupLine(Markup.Escape(w));
                RmSummary.PrintEvals(rows);
            }
            return 0;
        }));
        return command;
    }
}
