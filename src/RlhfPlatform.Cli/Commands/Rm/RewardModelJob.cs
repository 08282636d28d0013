using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Cli.Commands.Rm;

/// <summary>Everything `rlhf rm train` (and `rm compare`) needs to train and evaluate one reward model from files.</summary>
public sealed record RewardModelJobRequest
{
    public required string Data { get; init; }
    public IReadOnlyList<(string Name, string Path)> Evals { get; init; } = [];
    public string? Base { get; init; }
    public string Config { get; init; } = "small";
    public int? MaxLength { get; init; }
    public RewardObjectiveOptions Objective { get; init; } = new();
    public string? Head { get; init; }
    public RewardModelOptions Trainer { get; init; } = new();
    public int Seed { get; init; } = 1;
    public double LabelNoise { get; init; }
    public bool SkipInvalid { get; init; }
    /// <summary>Folder of the trainer checkpoints (one per member); an interrupted job resumes from it.</summary>
    public string? StateFolder { get; init; }
    public int SaveEvery { get; init; }
    /// <summary>Names the job in a failure: "rm train step 37: cause".</summary>
    public string Stage { get; init; } = "rm train";
}

public sealed record RewardModelJobResult(TrainedRewardModel Model, IRewardObjective Objective, DataLoadReport TrainReport,
    IReadOnlyList<RewardEvalReport> Evals, IReadOnlyDictionary<string, double> LastStepMetrics, int StepsPerMember);

/// <summary>Reads the data, builds the model (fresh byte-level model or a base folder), trains it with the objective and evaluates every eval set.</summary>
public static class RewardModelJob
{
    /// <summary>Shapes of the models trained from scratch: (hidden size, layers, heads).</summary>
    public static readonly IReadOnlyDictionary<string, (int Dim, int Layers, int Heads)> Configs = new Dictionary<string, (int, int, int)>
    {
        ["tiny"] = (32, 1, 2),
        ["small"] = (64, 2, 4),
    };

    public const int DefaultMaxLength = 128;

    /// <param name="onStep">(member, step done, steps per member) after every optimizer step</param>
    public static RewardModelJobResult Run(RewardModelJobRequest request, Action<int, int, int>? onStep = null, CancellationToken ct = default)
    {
        var objective = RewardObjectives.Create(request.Objective);
        var (tokenizer, maxLength, createModel) = ModelSource(request);
        var encoder = new PairEncoder(tokenizer, maxLength);

        var data = PreferenceFiles.Read(request.Data, request.SkipInvalid);
        var (pairs, flipped) = LabelNoise.Apply(data.Pairs, request.LabelNoise, request.Seed);
        data.Report.LabelsFlipped = flipped;
        var train = encoder.EncodeAll(pairs, data.Report, request.SkipInvalid);
        if (train.Count == 0) throw new ArgumentException($"{request.Data}: no training pairs left ({data.Report.Summary()})");
        var evalSets = request.Evals.Select(e => PreferenceEvalSet.Load(e.Name, e.Path, encoder, request.SkipInvalid)).ToArray();
        var duringTraining = evalSets.Where(s => s.Pairs.Count > 0).Select(s => new PairEvalSet(s.Name, s.Pairs)).ToArray();

        var setup = new RewardTrainingSetup(objective, request.Trainer, request.Head, request.Seed, createModel);
        var last = new Dictionary<string, double>();
        int stepsPerMember = 0, member = 0, stepsDone = 0;
        bool ensemble = objective.Traits.Members > 1;
        var model = StageException.In(() => $"{request.Stage}{(ensemble ? $" member {member}" : "")} step {stepsDone + 1}",
            () => RewardModelTraining.Train(setup, tokenizer, train, duringTraining, (k, trainer, metrics) =>
            {
                (member, stepsDone, stepsPerMember) = (k, trainer.StepsDone, trainer.TotalSteps);
                foreach (var (name, value) in metrics.Values) last[name] = value;
                onStep?.Invoke(k, trainer.StepsDone, trainer.TotalSteps);
            }, request.StateFolder, request.SaveEvery, ct));
        var reports = evalSets.Select(s => StageException.In(() => $"{request.Stage} evaluation on {s.Name}",
            () => RewardModelEvaluation.Evaluate(model, s))).ToArray();
        return new RewardModelJobResult(model, objective, data.Report, reports, last, stepsPerMember);
    }

    static (ITokenizer Tokenizer, int MaxLength, Func<string, int, RewardModel> Create) ModelSource(RewardModelJobRequest request)
    {
        if (request.Base is { } baseFolder)
        {
            if (!Directory.Exists(baseFolder)) throw new DirectoryNotFoundException($"base model folder not found: {baseFolder}");
            var config = Modeling.Checkpoints.ModelCheckpoint.ReadConfig(baseFolder);
            int maxLength = Math.Min(request.MaxLength ?? config.MaxPositions, config.MaxPositions);
            return (TokenizerFiles.Load(baseFolder), maxLength, (head, seed) => RewardModelBase.FromFolder(baseFolder, head, seed));
        }
        if (!Configs.TryGetValue(request.Config, out var shape))
            throw new ArgumentException($"unknown --config '{request.Config}' (one of: {string.Join(", ", Configs.Keys)})");
        var tokenizer = new ByteTokenizer();
        int length = request.MaxLength ?? DefaultMaxLength;
        var fresh = ModelConfig.Small(tokenizer.VocabSize, shape.Dim, shape.Layers, shape.Heads, length, tokenizer.BosId, tokenizer.EosId, tokenizer.PadId);
        return (tokenizer, length, (head, seed) => RewardModelBase.Fresh(fresh, head, seed));
    }
}
