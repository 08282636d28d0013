using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>
/// Micro-batches sized by a token budget change how much runs through one forward, not the update:
/// the gradients of a minibatch's micro-batches add up to the minibatch's, and the optimizer steps once.
/// </summary>
public class MicroBatchTests
{
    [Fact]
    public void SplitsByPaddedTokensKeepingRowOrder()
    {
        int[] lengths = [5, 9, 3, 4, 20, 2];
        var micro = MicroBatches.Split([0, 1, 2, 3, 4, 5], lengths, 20, tokenBudget: 20);
        // [0,1]: 2 × 9 = 18; adding row 2 would make 3 × 9 = 27. [2,3]: 2 × 4 = 8, then 3 × 20 > 20. Row 4 alone is 20.
        Assert.Equal([[0L, 1], [2, 3], [4], [5]], micro.Select(m => m.Rows));
        Assert.Equal([9, 4, 20, 2], micro.Select(m => m.Width));
        var whole = Assert.Single(MicroBatches.Split([3, 1], lengths, 20, tokenBudget: null));
        Assert.Equal([3L, 1], whole.Rows);
        Assert.Equal(20, whole.Width);
        Assert.Single(MicroBatches.Split([4], lengths, 20, tokenBudget: 5)); // one row longer than the budget runs alone
        Assert.Contains("at least 1", Assert.Throws<ArgumentException>(() => MicroBatches.Split([0], lengths, 20, tokenBudget: 0)).Message);
    }

    [Theory]
    [InlineData("rloo", CriticKind.SharedBackbone)]
    [InlineData("ppo", CriticKind.SharedBackbone)]
    [InlineData("ppo", CriticKind.Separate)]
    public void AnUpdateInMicroBatchesEqualsTheWholeMinibatchUpdate(string algorithm, CriticKind critic)
    {
        using var reference = TinyPolicy.Create(1);
        using var whole = TinyPolicy.Create(1);
        using var split = TinyPolicy.Create(1);
        var rollouts = RolloutMaker.Make(whole, reference, TinyPolicy.Prompts(4), 2, new GenerationOptions { MaxNewTokens = 6 }, seed: 21);
        var rewards = rollouts.Responses.Select(r => (float)(r.Sum() % 7)).ToArray(); // differ within every group, so advantages do
        int longest = rollouts.RowLengths().Max();
        // Room for two of the longest rows: with 2 minibatches of 4 rows, every minibatch takes at least two micro-batches.
        var wholeMetrics = Update(algorithm, critic, whole, reference, rollouts, rewards, microBatchTokens: null);
        var splitMetrics = Update(algorithm, critic, split, reference, rollouts, rewards, microBatchTokens: 2 * longest);

        foreach (var ((name, a), (_, b)) in whole.named_parameters().Zip(split.named_parameters()))
        {
            double gap = (a - b).abs().max().item<float>();
            Assert.True(gap < 2e-6, $"{name}: max |Δ| = {gap} between the whole-minibatch and the micro-batched update");
        }
        Assert.True(whole.parameters().Zip(reference.parameters()).Any(p => !p.First.equal(p.Second).all().item<bool>()), "the update changed nothing");
        foreach (var (name, value) in wholeMetrics)
            Assert.True(Math.Abs(value - splitMetrics[name]) <= 1e-5 * Math.Max(1, Math.Abs(value)), $"{name}: whole {value}, micro-batched {splitMetrics[name]}");
    }

    [Fact]
    public void AnSftStepInMicroBatchesEqualsTheWholeBatchStep()
    {
        var data = TinyPolicy.Prompts(8).Select((p, i) => new Data.TokenizedResponse(p, Enumerable.Range(5, 1 + i % 4).ToArray())).ToArray();
        using var whole = TinyPolicy.Create(2);
        using var split = TinyPolicy.Create(2);
        int longest = data.Max(d => d.Prompt.Length + d.Response.Length);
        using var wholeTrainer = new Sft.SftTrainer(whole, data, new Sft.SftOptions(3, 8, 3e-3), seed: 4);
        using var splitTrainer = new Sft.SftTrainer(split, data, new Sft.SftOptions(3, 8, 3e-3, MicroBatchTokens: 3 * longest), seed: 4);
        for (int step = 0; step < 3; step++)
        {
            manual_seed(9 + step);
            double a = wholeTrainer.Step().Values["sft/loss"];
            manual_seed(9 + step);
            double b = splitTrainer.Step().Values["sft/loss"];
            Assert.True(Math.Abs(a - b) < 1e-5, $"step {step}: whole-batch loss {a}, micro-batched {b}");
        }
        foreach (var ((name, a), (_, b)) in whole.named_parameters().Zip(split.named_parameters()))
            Assert.True((a - b).abs().max().item<float>() < 2e-6, $"{name} differs after micro-batched SFT");
    }

    static IReadOnlyDictionary<string, double> Update(string algorithm, CriticKind critic, CausalLm policy, CausalLm reference,
        Rollouts rollouts, float[] rewards, long? microBatchTokens)
    {
        manual_seed(5);
        if (algorithm == "rloo")
        {
            using var rloo = new RlooTrainer(policy, new RlooOptions { LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Seed = 3, MicroBatchTokens = microBatchTokens });
            return rloo.Update(rollouts, rewards).Values;
        }
        using var ppo = new PpoTrainer(policy, reference, new PpoOptions
        {
            LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Critic = critic, Seed = 3, MicroBatchTokens = microBatchTokens,
        });
        return ppo.Update(rollouts, rewards).Values;
    }
}
