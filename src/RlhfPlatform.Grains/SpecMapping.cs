using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Sft;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Grains;

/// <summary>Run spec → the Training and Modeling objects it describes.</summary>
public static class SpecMapping
{
    public static readonly ITokenizer Tokenizer = new ByteTokenizer();

    public static ModelConfig PolicyConfig(RunSpec spec) => Config(spec.Policy.Model, "none");

    /// <summary>The reward model's shape; the head is the spec's, else the objective's default.</summary>
    public static ModelConfig RewardModelConfig(RunSpec spec) =>
        Config(spec.RewardModel.Model, spec.RewardModel.Head ?? Objective(spec).Traits.DefaultHead);

    public static LengthTask Task(RunSpec spec) => spec.Task.Kind switch
    {
        "synthetic-length" => new LengthTask(spec.Task.TargetLength),
        _ => throw new ArgumentException($"unknown task kind '{spec.Task.Kind}'"),
    };

    public static SftOptions Sft(RunSpec spec) => new(spec.Policy.Sft.Steps, spec.Policy.Sft.BatchSize, spec.Policy.Sft.LearningRate);

    public static RewardModelOptions RewardModel(RunSpec spec) => new()
    {
        Epochs = spec.RewardModel.Epochs,
        BatchSize = spec.RewardModel.BatchSize,
        LearningRate = spec.RewardModel.LearningRate,
        GradientAccumulation = spec.RewardModel.GradientAccumulation,
        Schedule = spec.RewardModel.Schedule,
        WarmupRatio = spec.RewardModel.WarmupRatio,
        WeightDecay = spec.RewardModel.WeightDecay,
        MaxGradNorm = spec.RewardModel.MaxGradNorm,
    };

    public static IRewardObjective Objective(RunSpec spec)
    {
        var h = spec.RewardModel.Hyperparameters;
        return RewardObjectives.Create(new RewardObjectiveOptions
        {
            Method = spec.RewardModel.Objective,
            Margin = h.Margin,
            LabelSmoothing = h.LabelSmoothing,
            EnsembleMembers = h.EnsembleMembers,
            EnsembleAggregate = h.EnsembleAggregate,
            BsrLambda = h.BsrLambda,
            CenterCoefficient = h.CenterCoefficient,
            GrmAlpha = h.GrmAlpha,
            GrmBeta = h.GrmBeta,
            GrmSftLogSigmoid = h.GrmSftLogSigmoid,
        });
    }

    /// <param name="firstStep">RL steps the run has already made (the policy version the trainer starts from)</param>
    public static RlooOptions Rloo(RunSpec spec, int firstStep = 0) => new()
    {
        KlCoef = spec.Rl.KlCoef,
        LearningRate = spec.Rl.LearningRate,
        LrSchedule = LrSchedule(spec, firstStep),
        Shaping = Shaping(spec),
        ClipRange = spec.Rl.ClipRange,
        Temperature = spec.Rl.Temperature,
        Epochs = spec.Rl.Epochs,
        MiniBatches = spec.Rl.MiniBatches,
        Seed = spec.Seed,
    };

    /// <param name="firstStep">RL steps the run has already made (the policy version the trainer starts from)</param>
    public static PpoOptions Ppo(RunSpec spec, int firstStep = 0) => new()
    {
        KlCoef = spec.Rl.KlCoef,
        KlTarget = spec.Rl.Ppo.KlTarget,
        LearningRate = spec.Rl.LearningRate,
        LrSchedule = LrSchedule(spec, firstStep),
        Shaping = Shaping(spec),
        ClipRange = spec.Rl.ClipRange,
        ValueClipRange = spec.Rl.Ppo.ValueClipRange,
        ValueCoef = spec.Rl.Ppo.ValueCoef,
        Lambda = spec.Rl.Ppo.GaeLambda,
        Temperature = spec.Rl.Temperature,
        Epochs = spec.Rl.Epochs,
        MiniBatches = spec.Rl.MiniBatches,
        Critic = spec.Rl.Ppo.Critic == "separate" ? CriticKind.Separate : CriticKind.SharedBackbone,
        RewardNormalization = spec.Rl.Ppo.RewardNormalization switch
        {
            "running" => RewardNormalization.Running,
            "first-batch" => RewardNormalization.FirstBatch,
            _ => RewardNormalization.None,
        },
        Seed = spec.Seed,
    };

    static RlLearningRateSchedule LrSchedule(RunSpec spec, int firstStep) => new()
    {
        Kind = spec.Rl.LrSchedule,
        WarmupRatio = spec.Rl.WarmupRatio,
        TotalSteps = spec.Rl.Steps,
        FirstStep = firstStep,
    };

    static RewardShaping Shaping(RunSpec spec) => new(MissingEosPenalty: spec.Rl.MissingEosPenalty);

    static ModelConfig Config(ModelSpec model, string rewardHead) => ModelConfig.Small(
        Tokenizer.VocabSize, model.Dim, model.Layers, model.Heads, model.MaxSeqLen,
        Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId) with { RewardHead = rewardHead };
}
