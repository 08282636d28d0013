using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
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

    public static ModelConfig RewardModelConfig(RunSpec spec) => Config(spec.RewardModel.Model, "linear");

    public static LengthTask Task(RunSpec spec) => spec.Task.Kind switch
    {
        "synthetic-length" => new LengthTask(spec.Task.TargetLength),
        _ => throw new ArgumentException($"unknown task kind '{spec.Task.Kind}'"),
    };

    public static SftOptions Sft(RunSpec spec) => new(spec.Policy.Sft.Steps, spec.Policy.Sft.BatchSize, spec.Policy.Sft.LearningRate);

    public static RewardModelOptions RewardModel(RunSpec spec) =>
        new(spec.RewardModel.Epochs, spec.RewardModel.BatchSize, spec.RewardModel.LearningRate);

    public static RlooOptions Rloo(RunSpec spec) => new()
    {
        KlCoef = spec.Rl.KlCoef,
        LearningRate = spec.Rl.LearningRate,
        ClipRange = spec.Rl.ClipRange,
        Temperature = spec.Rl.Temperature,
        Epochs = spec.Rl.Epochs,
        MiniBatches = spec.Rl.MiniBatches,
        Seed = spec.Seed,
    };

    public static PpoOptions Ppo(RunSpec spec) => new()
    {
        KlCoef = spec.Rl.KlCoef,
        KlTarget = spec.Rl.Ppo.KlTarget,
        LearningRate = spec.Rl.LearningRate,
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

    static ModelConfig Config(ModelSpec model, string rewardHead) => ModelConfig.Small(
        Tokenizer.VocabSize, model.Dim, model.Layers, model.Heads, model.MaxSeqLen,
        Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId) with { RewardHead = rewardHead };
}
