using System.CommandLine;
using System.Text.Json;
using RlhfPlatform.Training.RewardModels;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>`rlhf rm train`: trains a reward model with any objective and writes an HF-layout folder with the reward head.</summary>
public static class RmTrainCommand
{
    public const string SummaryFile = "training_summary.json";

    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Training data (JSONL: pairs, rated pairs, multiple choice or ranking sets)", Required = true };
        var baseModel = new Option<string?>("--base") { Description = "HF-layout folder to start from (causal LM or reward model)" };
        var config = new Option<string>("--config") { Description = "Shape of a model trained from scratch with the byte tokenizer: tiny or small", DefaultValueFactory = _ => "small" };
        var evals = new Option<string[]>("--eval") { Description = "Eval set NAME=FILE (repeatable), e.g. id=id.jsonl ood=ood.jsonl", AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Folder for the trained reward model", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON instead of tables" };
        var maxLength = new Option<int?>("--max-length") { Description = $"Max tokens per prompt+response (prompts are cut from the left; default {RewardModelJob.DefaultMaxLength} or the base's)" };
        var labelNoise = new Option<double>("--label-noise") { Description = "Fraction of training pairs whose labels are flipped (seeded)", DefaultValueFactory = _ => 0.0 };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip malformed records (counted) instead of failing" };
        var saveEvery = new Option<int>("--save-state-every") { Description = "Save a resumable trainer checkpoint in OUT/trainer-state every N steps (0: never); an existing one is resumed", DefaultValueFactory = _ => 0 };
        var binding = new RewardModelOptionsBinding();
        var command = new Command("train", "Train a reward model") { data, baseModel, config, evals, output, json, maxLength, labelNoise, skipInvalid, saveEvery };
        foreach (var option in binding.All) command.Options.Add(option);

        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            await Task.Yield();
            string outFolder = Path.GetFullPath(result.GetValue(output)!);
            int every = result.GetValue(saveEvery);
            var request = new RewardModelJobRequest
            {
                Data = result.GetValue(data)!,
                Evals = EvalSpecs.Parse(result.GetValue(evals) ?? []),
                Base = result.GetValue(baseModel),
                Config = result.GetValue(config)!,
                MaxLength = result.GetValue(maxLength),
                Objective = binding.Objective(result),
                Head = result.GetValue(binding.Head),
                Trainer = binding.Trainer(result),
                Seed = result.GetValue(binding.Seed),
                LabelNoise = result.GetValue(labelNoise),
                SkipInvalid = result.GetValue(skipInvalid),
                StateFolder = every > 0 || Directory.Exists(Path.Combine(outFolder, "trainer-state")) ? Path.Combine(outFolder, "trainer-state") : null,
                SaveEvery = every,
            };
            bool asJson = result.GetValue(json);
            var job = asJson ? RewardModelJob.Run(request, null, ct) : WithProgress(request, ct);
            using var model = job.Model;
            RewardModelFolder.Save(model, outFolder);
            var summary = RmSummary.Of(request, job, outFolder);
            await File.WriteAllTextAsync(Path.Combine(outFolder, SummaryFile), JsonSerializer.Serialize(summary, RmSummary.Json), ct);
            if (asJson) Console.WriteLine(JsonSerializer.Serialize(summary, RmSummary.Json));
            else RmSummary.Print(summary);
            return 0;
        }));
        return command;
    }

    static RewardModelJobResult WithProgress(RewardModelJobRequest request, CancellationToken ct)
    {
        RewardModelJobResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bars = new Dictionary<int, ProgressTask>();
                result = RewardModelJob.Run(request, (member, step, total) =>
                {
                    if (!bars.TryGetValue(member, out var bar))
                        bars[member] = bar = ctx.AddTask(member == 0 && request.Objective.Method != "ensemble" ? request.Objective.Method : $"{request.Objective.Method} member {member}", maxValue: total);
                    bar.Value = step;
                    if (step >= total) bar.StopTask();
                }, ct);
                foreach (var bar in bars.Values) { bar.Value = bar.MaxValue; bar.StopTask(); }
            });
        return result!;
    }
}

/// <summary>NAME=FILE eval arguments.</summary>
public static class EvalSpecs
{
    public static IReadOnlyList<(string Name, string Path)> Parse(IEnumerable<string> values) => values.Select(v =>
    {
        int eq = v.IndexOf('=');
        if (eq <= 0 || eq == v.Length - 1) throw new ArgumentException($"--eval '{v}' is not NAME=FILE");
        return (v[..eq], v[(eq + 1)..]);
    }).ToArray();
}
