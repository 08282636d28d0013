using System.CommandLine;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>The command-line options of reward-model training: objective hyperparameters (papers' defaults) and trainer settings.</summary>
public sealed class RewardModelOptionsBinding
{
    static readonly RewardObjectiveOptions ObjectiveDefaults = new();
    static readonly RewardModelOptions TrainerDefaults = new();

    public Option<string> Method { get; } = new("--method") { Description = $"Objective: {string.Join(", ", RewardObjectives.Methods)}", DefaultValueFactory = _ => "bt" };
    public Option<string?> Head { get; } = new("--head") { Description = "Reward head: linear or mlp (default: mlp for frozen and grm-*, linear otherwise)" };
    public Option<double?> Margin { get; } = new("--margin") { Description = "margin: constant m (default: each pair's 'margin' field)" };
    public Option<double> LabelSmoothing { get; } = new("--label-smoothing") { Description = "label-smoothing: ε", DefaultValueFactory = _ => ObjectiveDefaults.LabelSmoothing };
    public Option<int> EnsembleMembers { get; } = new("--ensemble-members") { Description = "ensemble: K members", DefaultValueFactory = _ => ObjectiveDefaults.EnsembleMembers };
    public Option<string> EnsembleAggregate { get; } = new("--ensemble-aggregate") { Description = "ensemble: mean or min", DefaultValueFactory = _ => ObjectiveDefaults.EnsembleAggregate };
    public Option<double> BsrLambda { get; } = new("--bsr-lambda") { Description = "bsr: λ of λ·B·(batch mean reward)²", DefaultValueFactory = _ => ObjectiveDefaults.BsrLambda };
    public Option<double> CenterCoefficient { get; } = new("--center-coefficient") { Description = "center: c of c·mean (r_c + r_r)²", DefaultValueFactory = _ => ObjectiveDefaults.CenterCoefficient };
    public Option<double> GrmAlpha { get; } = new("--grm-alpha") { Description = "grm-*: α of (1-α)·bt + α·reg", DefaultValueFactory = _ => ObjectiveDefaults.GrmAlpha };
    public Option<double> GrmBeta { get; } = new("--grm-beta") { Description = "grm-*: β", DefaultValueFactory = _ => ObjectiveDefaults.GrmBeta };
    public Option<bool> GrmNoLogSigmoid { get; } = new("--grm-no-logsigmoid") { Description = "grm-sft: use -logπ(y_c|x) instead of -log σ(β logπ(y_c|x))" };

    public Option<int> Epochs { get; } = new("--epochs") { Description = "Epochs over the training pairs", DefaultValueFactory = _ => 2 };
    public Option<int?> MaxSteps { get; } = new("--max-steps") { Description = "Optimizer steps (replaces --epochs)" };
    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Pairs per micro-batch (BSR's B)", DefaultValueFactory = _ => TrainerDefaults.BatchSize };
    public Option<int> GradientAccumulation { get; } = new("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => 1 };
    public Option<double> LearningRate { get; } = new("--lr") { Description = "AdamW learning rate", DefaultValueFactory = _ => 2e-3 };
    public Option<double> WeightDecay { get; } = new("--weight-decay") { Description = "AdamW weight decay", DefaultValueFactory = _ => 0.0 };
    public Option<string> Schedule { get; } = new("--schedule") { Description = "constant, linear or cosine (after warmup)", DefaultValueFactory = _ => TrainerDefaults.Schedule };
    public Option<double> Warmup { get; } = new("--warmup") { Description = "Warmup fraction of the steps", DefaultValueFactory = _ => TrainerDefaults.WarmupRatio };
    public Option<double> MaxGradNorm { get; } = new("--max-grad-norm") { Description = "Gradient clipping norm", DefaultValueFactory = _ => TrainerDefaults.MaxGradNorm };
    public Option<int> EvalEvery { get; } = new("--eval-every") { Description = "Evaluate the --eval sets every N steps (0: at the end only)", DefaultValueFactory = _ => 0 };
    public Option<string?> EarlyStop { get; } = new("--early-stop") { Description = "Stop when this metric (e.g. eval/id/accuracy) stops improving" };
    public Option<int> Patience { get; } = new("--patience") { Description = "Evaluations without improvement before an early stop", DefaultValueFactory = _ => 3 };
    public Option<int> Seed { get; } = new("--seed") { Description = "Seed of initialisation, data order, dropout and label noise", DefaultValueFactory = _ => 1 };

    public IEnumerable<Option> All => [Method, Head, Margin, LabelSmoothing, EnsembleMembers, EnsembleAggregate, BsrLambda, CenterCoefficient,
        GrmAlpha, GrmBeta, GrmNoLogSigmoid, Epochs, MaxSteps, BatchSize, GradientAccumulation, LearningRate, WeightDecay, Schedule, Warmup,
        MaxGradNorm, EvalEvery, EarlyStop, Patience, Seed];

    public RewardObjectiveOptions Objective(ParseResult result) => new()
    {
        Method = result.GetValue(Method)!,
        Margin = result.GetValue(Margin),
        LabelSmoothing = result.GetValue(LabelSmoothing),
        EnsembleMembers = result.GetValue(EnsembleMembers),
        EnsembleAggregate = result.GetValue(EnsembleAggregate)!,
        BsrLambda = result.GetValue(BsrLambda),
        CenterCoefficient = result.GetValue(CenterCoefficient),
        GrmAlpha = result.GetValue(GrmAlpha),
        GrmBeta = result.GetValue(GrmBeta),
        GrmSftLogSigmoid = !result.GetValue(GrmNoLogSigmoid),
    };

    public RewardModelOptions Trainer(ParseResult result) => new RewardModelOptions
    {
        Epochs = result.GetValue(Epochs),
        MaxSteps = result.GetValue(MaxSteps),
        BatchSize = result.GetValue(BatchSize),
        GradientAccumulation = result.GetValue(GradientAccumulation),
        LearningRate = result.GetValue(LearningRate),
        WeightDecay = result.GetValue(WeightDecay),
        Schedule = result.GetValue(Schedule)!,
        WarmupRatio = result.GetValue(Warmup),
        MaxGradNorm = result.GetValue(MaxGradNorm),
        EvalEvery = result.GetValue(EvalEvery),
        EarlyStopMetric = result.GetValue(EarlyStop),
        EarlyStopPatience = result.GetValue(Patience),
    }.Validate();
}
