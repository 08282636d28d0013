using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Sft;
using RlhfPlatform.Modeling.Checkpoints;

namespace RlhfPlatform.Grains;

/// <summary>Run spec → the Training and Modeling objects it describes.</summary>
public static class SpecMapping
{
    static readonly ITokenizer ByteTokens = new ByteTokenizer();

    /// <summary>The run's tokenizer: the base model's, or the byte tokenizer of a policy trained from scratch.</summary>
    public static ITokenizer Tokenizer(RunSpec spec) => spec.Policy.Base is { } folder ? TokenizerFiles.Load(folder) : ByteTokens;

    /// <summary>The policy's shape: the base model's config.json, or policy.model with the tokenizer's vocabulary.</summary>
    public static ModelConfig PolicyConfig(RunSpec spec, ITokenizer tokenizer) =>
        spec.Policy.Base is { } folder ? ModelCheckpoint.ReadConfig(folder) : Config(spec.Policy.Model, "none", tokenizer);

    public static ModelLoadOptions PolicyLoadOptions(RunSpec spec) => new() { Dtype = ModelLoadOptions.ParseDtype(spec.Policy.Dtype) };

    public static ModelLoadOptions RewardModelLoadOptions(RunSpec spec) => new() { Dtype = ModelLoadOptions.ParseDtype(spec.RewardModel.Dtype) };

    /// <summary>The reward model's head: the spec's, else the objective's default.</summary>
    public static string RewardHead(RunSpec spec) => spec.RewardModel.Head ?? Objective(spec).Traits.DefaultHead;

    /// <summary>The shape of a reward model trained from scratch (rewardModel.init "scratch" without a base).</summary>
    public static ModelConfig RewardModelConfig(RunSpec spec, ITokenizer tokenizer) => Config(spec.RewardModel.Model, RewardHead(spec), tokenizer);

    /// <summary>
    /// Longest prompt + response the reward model reads: its base's context when it starts from one
    /// (rewardModel.base, or the SFT policy of a policy.base run), else rewardModel.model.maxSeqLen.
    /// </summary>
    public static int RewardModelContext(RunSpec spec) =>
        spec.RewardModel.Base is { } folder ? ModelCheckpoint.ReadConfig(folder).MaxPositions
        : spec.RewardModel.Init == "sft" && spec.Policy.Base is { } policyBase ? ModelCheckpoint.ReadConfig(policyBase).MaxPositions
        : spec.RewardModel.Model.MaxSeqLen;

    public static SftOptions Sft(RunSpec spec) =>
        new(spec.Policy.Sft.Steps, spec.Policy.Sft.BatchSize, spec.Policy.Sft.LearningRate, MicroBatchTokens: spec.Policy.Sft.MicroBatchTokens);

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
        MicroBatchTokens = spec.Rl.MicroBatchTokens,
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
        MicroBatchTokens = spec.Rl.MicroBatchTokens,
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

    static ModelConfig Config(ModelSpec model, string rewardHead, ITokenizer tokenizer) => ModelConfig.Small(
        tokenizer.VocabSize, model.Dim, model.Layers, model.Heads, model.MaxSeqLen,
        tokenizer.BosId, tokenizer.EosId, tokenizer.PadId) with { RewardHead = rewardHead };
}
