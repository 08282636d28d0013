using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Synthetic;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>Mean and sample standard deviation over seeds.</summary>
public sealed record Spread(double Mean, double Std, IReadOnlyList<double> Values)
{
    public static Spread Of(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new Spread(mean, std, values);
    }

    public override string ToString() => $"{Mean.ToString("F3", CultureInfo.InvariantCulture)} ± {Std.ToString("F3", CultureInfo.InvariantCulture)}";
}

/// <summary>One objective's figures over the seeds.</summary>
/// <param name="NormDispersion">coefficient of variation std/mean of ‖h‖ on the OOD set (BSR's dispersion, scale-free)</param>
public sealed record CompareRow(string Method, Spread IdAccuracy, Spread OodAccuracy, Spread NormDispersion, Spread NormSkew,
    Spread PairDiffNorm, Spread EffectiveRank, Spread Seconds);

/// <summary>
/// `rlhf rm compare`: every objective (or --methods) on the synthetic length task, over --seeds
/// seeds (each seed draws its own data, label noise, initialisation and order), evaluated on the
/// clean ID set and on the OOD set of responses past the target length. Prints objective × (ID
/// accuracy, OOD accuracy, norm dispersion) as mean ± std over seeds.
/// </summary>
public static class RmCompareCommand
{
    public static Command Create()
    {
        var seeds = new Option<int>("--seeds") { Description = "Seeds per objective", DefaultValueFactory = _ => 3 };
        var methods = new Option<string?>("--methods") { Description = "Comma-separated objectives (default: all)" };
        var config = new Option<string>("--config") { Description = "Model shape: tiny or small", DefaultValueFactory = _ => "tiny" };
        var trainPairs = new Option<int>("--train") { Description = "Training pairs per seed", DefaultValueFactory = _ => 2000 };
        var evalPairs = new Option<int>("--eval") { Description = "Pairs per eval set", DefaultValueFactory = _ => 500 };
        var labelNoise = new Option<double>("--label-noise") { Description = "Fraction of training labels flipped (GRM's synthetic setup: 0.25)", DefaultValueFactory = _ => 0.25 };
        var epochs = new Option<int>("--epochs") { Description = "Epochs", DefaultValueFactory = _ => 2 };
        var lr = new Option<double>("--lr") { Description = "Learning rate", DefaultValueFactory = _ => 2e-3 };
        var targetLength = new Option<int>("--target-length") { Description = "Target length of the task", DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--out") { Description = "Working folder (data per seed)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "rlhf-rm-compare") };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("compare", "Compare reward objectives on the synthetic task (ID and OOD accuracy, norm dispersion) over seeds")
        {
            seeds, methods, config, trainPairs, evalPairs, labelNoise, epochs, lr, targetLength, output, json,
        };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            await Task.Yield();
            var chosen = result.GetValue(methods) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : RewardObjectives.Methods.ToArray();
            foreach (var m in chosen) RewardObjectives.Create(new RewardObjectiveOptions { Method = m });
            int seedCount = result.GetValue(seeds);
            if (seedCount < 1) throw new ArgumentException("--seeds must be at least 1");
            bool asJson = result.GetValue(json);
            var task = new LengthTask(result.GetValue(targetLength));
            var figures = chosen.ToDictionary(m => m, _ => new List<(double Id, double Ood, double Cv, double Skew, double Diff, double Rank, double Seconds)>());
            for (int seed = 1; seed <= seedCount; seed++)
            {
                var files = SyntheticPreferenceFiles.Write(Path.Combine(result.GetValue(output)!, $"seed-{seed}"), task,
                    result.GetValue(trainPairs), result.GetValue(evalPairs), 0.0, seed);
                foreach (var method in chosen)
                {
                    ct.ThrowIfCancellationRequested();
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var job = RewardModelJob.Run(new RewardModelJobRequest
                    {
                        Data = files.Train,
                        Evals = [("id", files.InDistribution), ("ood", files.OutOfDistribution)],
                        Config = result.GetValue(config)!,
                        MaxLength = 64,
                        Objective = new RewardObjectiveOptions { Method = method },
                        Trainer = new RewardModelOptions { Epochs = result.GetValue(epochs), BatchSize = 32, LearningRate = result.GetValue(lr) },
                        Seed = seed,
                        LabelNoise = result.GetValue(labelNoise),
                        Stage = $"rm compare {method} seed {seed}",
                    }, null, ct);
                    using var model = job.Model;
                    var id = job.Evals.Single(e => e.Name == "id");
                    var ood = job.Evals.Single(e => e.Name == "ood");
                    figures[method].Add((id.Accuracy, ood.Accuracy, ood.Hidden!.Norm.Std / ood.Hidden.Norm.Mean, ood.Hidden.Norm.Skew,
                        ood.Hidden.PairDifferenceNorm.Mean / ood.Hidden.Norm.Mean, id.Hidden!.EffectiveRank, clock.Elapsed.TotalSeconds));
                    if (!asJson)
                        AnsiConsole.MarkupLine($"seed {seed} {Markup.Escape(method)}: ID {id.Accuracy:F3}, OOD {ood.Accuracy:F3} ({clock.Elapsed.TotalSeconds:F1} s)");
                }
            }
            var rows = chosen.Select(m => new CompareRow(m,
                Spread.Of(figures[m].Select(f => f.Id).ToArray()), Spread.Of(figures[m].Select(f => f.Ood).ToArray()),
                Spread.Of(figures[m].Select(f => f.Cv).ToArray()), Spread.Of(figures[m].Select(f => f.Skew).ToArray()),
                Spread.Of(figures[m].Select(f => f.Diff).ToArray()), Spread.Of(figures[m].Select(f => f.Rank).ToArray()),
                Spread.Of(figures[m].Select(f => f.Seconds).ToArray()))).ToArray();
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { seeds = seedCount, labelNoise = result.GetValue(labelNoise), config = result.GetValue(config), rows }, RmSummary.Json));
                return 0;
            }
            var table = new Table().AddColumns("objective", "ID accuracy", "OOD accuracy", "‖h‖ std/mean (OOD)", "‖h‖ skew (OOD)", "‖h_c-h_r‖/‖h‖ (OOD)", "eff. rank (ID)", "seconds");
            foreach (var r in rows)
                table.AddRow(r.Method, r.IdAccuracy.ToString(), r.OodAccuracy.ToString(), r.NormDispersion.ToString(), r.NormSkew.ToString(),
                    r.PairDiffNorm.ToString(), r.EffectiveRank.ToString(), r.Seconds.Mean.ToString("F1", CultureInfo.InvariantCulture));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"mean ± std over {seedCount} seeds; {result.GetValue(labelNoise):P0} of training labels flipped; ID and OOD sets are clean.");
            return 0;
        }));
        return command;
    }
}
