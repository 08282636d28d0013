using System.CommandLine;
using RlhfPlatform.Training.Synthetic;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>`rlhf rm synth`: writes the synthetic length task's train / ID / OOD / ranking files, so the rm commands run with no downloads.</summary>
public static class RmSynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for train.jsonl, id.jsonl, ood-long.jsonl, ranking.jsonl", Required = true };
        var targetLength = new Option<int>("--target-length") { Description = "Length at which the gold reward peaks", DefaultValueFactory = _ => 8 };
        var train = new Option<int>("--train") { Description = "Training pairs", DefaultValueFactory = _ => 2000 };
        var eval = new Option<int>("--eval") { Description = "Pairs per eval set", DefaultValueFactory = _ => 500 };
        var labelNoise = new Option<double>("--label-noise") { Description = "Fraction of training labels flipped", DefaultValueFactory = _ => 0.0 };
        var seed = new Option<int>("--seed") { Description = "Seed", DefaultValueFactory = _ => 1 };
        var command = new Command("synth", "Write synthetic preference data with ID and OOD eval sets") { output, targetLength, train, eval, labelNoise, seed };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            await Task.Yield();
            var files = SyntheticPreferenceFiles.Write(result.GetValue(output)!, new LengthTask(result.GetValue(targetLength)),
                result.GetValue(train), result.GetValue(eval), result.GetValue(labelNoise), result.GetValue(seed));
            AnsiConsole.MarkupLine($"train: {Markup.Escape(files.Train)} ({files.LabelsFlipped} labels flipped)");
            AnsiConsole.MarkupLine($"id:    {Markup.Escape(files.InDistribution)}");
            AnsiConsole.MarkupLine($"ood:   {Markup.Escape(files.OutOfDistribution)} (responses past the target length)");
            AnsiConsole.MarkupLine($"ranking: {Markup.Escape(files.Ranking)}");
            return 0;
        }));
        return command;
    }
}
