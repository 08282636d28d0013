using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Environments;

/// <summary>
/// What a run optimizes and how it is judged (NeMo-RL's environment): the prompts of each RL step and
/// of the evaluation, as token ids of <see cref="Tokenizer"/> starting with BOS, and the gold judge
/// scoring (prompt, response) token ids. Prompts are deterministic in seed and step.
/// </summary>
public interface ITaskEnvironment : IDisposable
{
    /// <summary>"synthetic-length", "reward-model", ... (for events and errors).</summary>
    string Name { get; }

    ITokenizer Tokenizer { get; }

    int[][] TrainPrompts(int count, int seed, int step);

    int[][] EvalPrompts(int count, int seed);

    /// <summary>The gold reward (loaded on first use: a gold reward model is only loaded where it scores).</summary>
    IRewardSource Judge { get; }

    /// <summary>Data the environment can generate when a spec names no file; null when it can generate none.</summary>
    IDataGenerator? Generator { get; }
}
