using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Training.Tests;

/// <summary>A tiny model and the synthetic length task's pairs, small enough that a training takes about a second on 2 cores.</summary>
public static class TinyRewardSetup
{
    public static readonly ByteTokenizer Tokenizer = new();
    public static readonly LengthTask Task = new(targetLength: 8);

    public static ModelConfig Config(string head = "linear") =>
        ModelConfig.Small(Tokenizer.VocabSize, 32, 1, 2, 32, Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId) with { RewardHead = head };

    public static IReadOnlyList<TokenizedPair> Encode(IEnumerable<PreferencePair> pairs) =>
        pairs.Select(p => Tokenize.Pair(Tokenizer, p)).ToArray();

    public static IReadOnlyList<TokenizedPair> TrainPairs(int count = 600, int seed = 1) => Encode(Task.PreferencePairs(count, 0.0, seed).Pairs);

    public static IReadOnlyList<TokenizedPair> HeldOutPairs(int count = 200) => Encode(Task.PreferencePairs(count, 0.0, seed: 2).Pairs);

    public static RewardTrainingSetup Setup(string method, RewardModelOptions? options = null, int seed = 1, string? head = null) => new(
        RewardObjectives.Create(new RewardObjectiveOptions { Method = method }),
        options ?? new RewardModelOptions { Epochs = 3, BatchSize = 32, LearningRate = 2e-3, Schedule = "constant", WarmupRatio = 0 },
        head, seed, (h, s) => RewardModelBase.Fresh(Config(), h, s));
}
