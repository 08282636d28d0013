using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

public class GenerationTests
{
    // Float32 on CPU: cached and uncached attention sum in different orders; 1e-4 on log-probs is ample.
    const float Tolerance = 1e-4f;

    [Fact]
    public void KvCacheLogProbsMatchFullForwardWithLeftPaddedUnequalPrompts()
    {
        using var model = TinyModels.Policy(seed: 7);
        model.eval();
        int[][] prompts = [TinyModels.Prompt("a"), TinyModels.Prompt("hello world"), TinyModels.Prompt("abc:")];
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 0.9 };
        var result = BatchGenerator.Generate(model, prompts, options, new Generator(42));

        KvCacheParity.AssertMatchesFullForward(model, prompts, result, options.Temperature, TinyModels.Tokenizer.PadId, Tolerance);
    }

    [Fact]
    public void SameSeedSameSamplesAndGreedyIsDeterministic()
    {
        using var model = TinyModels.Policy(seed: 2);
        int[][] prompts = [TinyModels.Prompt("xy"), TinyModels.Prompt("z")];
        var sampled = new GenerationOptions { MaxNewTokens = 10, TopK = 50, TopP = 0.9 };
        var a = BatchGenerator.Generate(model, prompts, sampled, new Generator(5));
        var b = BatchGenerator.Generate(model, prompts, sampled, new Generator(5));
        Assert.Equal(a.Responses, b.Responses);

        var greedy = new GenerationOptions { MaxNewTokens = 10, Greedy = true };
        Assert.Equal(BatchGenerator.Generate(model, prompts, greedy, new Generator(1)).Responses,
                     BatchGenerator.Generate(model, prompts, greedy, new Generator(2)).Responses);
    }

    [Fact]
    public void EachRowEndsAtItsFirstStopTokenAndIsNotExtended()
    {
        using var model = TinyModels.Policy(seed: 4);
        int[] stops = Enumerable.Range(0, 259).Where(id => id % 2 == 0).ToArray();
        int[][] prompts = Enumerable.Range(0, 16).Select(i => TinyModels.Prompt($"p{i}")).ToArray();
        const int maxNew = 6;
        var result = BatchGenerator.Generate(model, prompts, new GenerationOptions { MaxNewTokens = maxNew, StopTokens = stops },
            new Generator(1));
        Assert.True(result.Lengths.Distinct().Count() > 1, "rows should finish at different steps");
        foreach (var response in result.Responses)
        {
            Assert.InRange(response.Length, 1, maxNew);
            Assert.DoesNotContain(response[..^1], id => stops.Contains(id) || id == model.Config.EosTokenId);
            if (response.Length < maxNew) Assert.True(stops.Contains(response[^1]) || response[^1] == model.Config.EosTokenId);
        }
    }

    [Fact]
    public void RewardIsTheSameAloneAndInARightPaddedBatch()
    {
        manual_seed(9);
        using var model = new RewardModel(TinyModels.Config("linear"));
        model.eval();
        int[] shortRow = TinyModels.Prompt("hi"), longRow = TinyModels.Prompt("a longer row");
        using var alone = SequenceBatch.Build([shortRow], [[TinyModels.Tokenizer.EosId]], TinyModels.Tokenizer.PadId);
        using var batch = SequenceBatch.Build([shortRow, longRow], [[TinyModels.Tokenizer.EosId], [TinyModels.Tokenizer.EosId]], TinyModels.Tokenizer.PadId);
        using var noGrad = no_grad();
        float single = model.Rewards(alone.InputIds, alone.AttentionMask).Rewards.item<float>();
        float batched = model.Rewards(batch.InputIds, batch.AttentionMask).Rewards[0].item<float>();
        Assert.True(Math.Abs(single - batched) < 1e-5, $"{single} vs {batched}");
    }
}
