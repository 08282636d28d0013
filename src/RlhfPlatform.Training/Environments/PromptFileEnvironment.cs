using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Environments;

/// <summary>
/// The user's prompt files judged by a gold reward source. Each RL step takes the next
/// <c>count</c> prompts of a seeded reshuffle of the train prompts (a new order every pass), so step s's
/// prompts depend only on (seed, s); evaluation uses the first eval prompts in file order.
/// </summary>
public sealed class PromptFileEnvironment : ITaskEnvironment
{
    readonly int[][] train, eval;
    readonly Lazy<IRewardSource> judge;

    public PromptFileEnvironment(string name, ITokenizer tokenizer, int[][] train, int[][] eval, Func<IRewardSource> loadJudge)
    {
        if (train.Length == 0 || eval.Length == 0) throw new ArgumentException("a prompt environment needs train and eval prompts");
        Name = name;
        Tokenizer = tokenizer;
        this.train = train;
        this.eval = eval;
        judge = new Lazy<IRewardSource>(loadJudge);
    }

    /// <summary>Reads prompt files (chat template per <paramref name="template"/>) and cuts prompts longer than <paramref name="maxPromptTokens"/> from the left, keeping BOS.</summary>
    public static int[][] ReadPrompts(string path, ITokenizer tokenizer, IChatTemplate? template, int maxPromptTokens)
    {
        if (maxPromptTokens < 2) throw new ArgumentOutOfRangeException(nameof(maxPromptTokens), maxPromptTokens, "a prompt needs room for BOS and one token");
        return JsonlFiles.ReadPrompts(path, template).Select(text =>
        {
            int[] ids = Tokenize.Prompt(tokenizer, text);
            return ids.Length <= maxPromptTokens ? ids : [ids[0], .. ids[^(maxPromptTokens - 1)..]];
        }).ToArray();
    }

    public string Name { get; }
    public ITokenizer Tokenizer { get; }
    public IRewardSource Judge => judge.Value;
    public IDataGenerator? Generator => null;

    public int[][] TrainPrompts(int count, int seed, int step)
    {
        var order = new DataOrder(train.Length, SeedMix.Derive(seed, 60_000_000));
        long first = (long)(step - 1) * count;
        order.Restore((int)(first / train.Length), (int)(first % train.Length));
        var prompts = new int[count][];
        for (int filled = 0; filled < count;)
            foreach (int index in order.NextBatch(count - filled)) prompts[filled++] = train[index];
        return prompts;
    }

    public int[][] EvalPrompts(int count, int seed) => eval.Take(count).ToArray();

    public void Dispose()
    {
        if (judge.IsValueCreated) (judge.Value as IDisposable)?.Dispose();
    }
}
