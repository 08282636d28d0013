using System.Diagnostics;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Sft;
using RlhfPlatform.Training.Synthetic;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>
/// A tiny policy SFT'd once on the length task (target 8, demonstrations 1..8 characters), shared by
/// the policy-optimization tests; each test trains its own copy against a frozen copy as reference.
/// </summary>
public sealed class SftPolicyFixture : IDisposable
{
    public const int TargetLength = 8;
    public static readonly ByteTokenizer Tokenizer = new();
    public static readonly LengthTask Task = new(TargetLength);

    readonly CausalLm sft;

    public SftPolicyFixture()
    {
        var watch = Stopwatch.StartNew();
        Config = ModelConfig.Small(Tokenizer.VocabSize, 32, 1, 2, 40, Tokenizer.BosId, Tokenizer.EosId, Tokenizer.PadId);
        manual_seed(5);
        sft = new CausalLm(Config);
        var demos = Task.Demonstrations(2000, seed: 5).Select(d => Tokenize.Demonstration(Tokenizer, d)).ToArray();
        using (var trainer = new SftTrainer(sft, demos, new SftOptions(Steps: 250, BatchSize: 32, LearningRate: 3e-3), seed: 5))
            while (!trainer.IsDone) trainer.Step();
        SftSeconds = watch.Elapsed.TotalSeconds;
    }

    public ModelConfig Config { get; }
    public double SftSeconds { get; }

    public static IRewardSource Gold { get; } = new TextRewardSource(Tokenizer, Task.GoldReward);

    public static int[][] Prompts(int count, long seed, string split) =>
        Task.Prompts(count, seed, split).Select(p => Tokenize.Prompt(Tokenizer, p)).ToArray();

    /// <summary>A fresh copy of the SFT policy.</summary>
    public CausalLm Copy()
    {
        var copy = new CausalLm(Config);
        copy.load_state_dict(sft.state_dict());
        return copy;
    }

    public void Dispose() => sft.Dispose();
}
