using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Training.Environments;

/// <summary>The synthetic length task as an environment: generated prompts, the task's gold reward on decoded text.</summary>
public sealed class LengthTaskEnvironment(LengthTask task, ITokenizer tokenizer) : ITaskEnvironment, IDataGenerator
{
    public const string KindName = "synthetic-length";

    public string Name => KindName;
    public ITokenizer Tokenizer => tokenizer;
    public LengthTask Task => task;
    public IRewardSource Judge { get; } = new TextRewardSource(tokenizer, task.GoldReward);
    public IDataGenerator Generator => this;
    IDataGenerator? ITaskEnvironment.Generator => this;

    // int arithmetic on purpose: the stream of every recorded synthetic run is seed * 100003 + step, wrapped.
    public int[][] TrainPrompts(int count, int seed, int step) => Encode(task.Prompts(count, seed * 100_003 + step, "train"));

    public int[][] EvalPrompts(int count, int seed) => Encode(task.Prompts(count, seed, "eval"));

    public IReadOnlyList<Demonstration> Demonstrations(int count, int seed) => task.Demonstrations(count, seed);

    public (IReadOnlyList<PreferencePair> Pairs, int Flipped) PreferencePairs(int count, double labelNoise, int seed) =>
        task.PreferencePairs(count, labelNoise, seed);

    int[][] Encode(IReadOnlyList<string> prompts) => prompts.Select(p => Tokenize.Prompt(tokenizer, p)).ToArray();

    public void Dispose() { }
}
