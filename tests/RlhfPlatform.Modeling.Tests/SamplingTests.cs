using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

/// <summary>The sampling filters in their limits, fixed-length generation, and the uncached baseline.</summary>
public class SamplingTests
{
    static readonly int[][] Prompts = [TinyModels.Prompt("a"), TinyModels.Prompt("hello world"), TinyModels.Prompt("abc:")];

    [Theory]
    [InlineData(1, 1.0, 1.0)]    // top-k = 1
    [InlineData(0, 1e-6, 1.0)]   // top-p keeps only the most likely token
    [InlineData(0, 1.0, 1e-3)]   // temperature → 0 puts all the mass on the argmax
    [InlineData(1, 0.5, 0.7)]    // top-k = 1 wins over any top-p and temperature
    public void FiltersInTheirLimitEqualGreedy(int topK, double topP, double temperature)
    {
        using var model = SharpPolicy();
        var greedy = BatchGenerator.Generate(model, Prompts, new GenerationOptions { MaxNewTokens = 12, Greedy = true }, new Generator(1));
        var sampled = BatchGenerator.Generate(model, Prompts,
            new GenerationOptions { MaxNewTokens = 12, TopK = topK, TopP = topP, Temperature = temperature }, new Generator(99));
        Assert.Equal(greedy.Responses, sampled.Responses);
    }

    [Fact]
    public void PlainSamplingDiffersFromGreedy()
    {
        // The same model as above, so the limits above are what makes sampling greedy.
        using var model = SharpPolicy();
        var options = new GenerationOptions { MaxNewTokens = 12, IgnoreEos = true };
        var greedy = BatchGenerator.Generate(model, Prompts, options with { Greedy = true }, new Generator(1));
        var sampled = BatchGenerator.Generate(model, Prompts, options, new Generator(1));
        Assert.NotEqual(greedy.Responses, sampled.Responses);
    }

    [Fact]
    public void TopKSamplesOnlyAmongTheKMostLikely()
    {
        using var model = TinyModels.Policy(seed: 5);
        int[] prompt = TinyModels.Prompt("top");
        using var ids = tensor(prompt.Select(t => (long)t).ToArray()).unsqueeze(0);
        long[] allowed;
        using (no_grad())
        using (var logits = model.forward(ids))
            allowed = logits[0, -1].topk(3).indexes.data<long>().ToArray();
        var result = BatchGenerator.Generate(model, Enumerable.Repeat(prompt, 64).ToArray(),
            new GenerationOptions { MaxNewTokens = 1, TopK = 3, Temperature = 5 }, new Generator(8));
        var firstTokens = result.Responses.Select(r => (long)r[0]).Distinct().ToArray();
        Assert.All(firstTokens, token => Assert.Contains(token, allowed));
        Assert.True(firstTokens.Length > 1, "a hot top-3 should sample more than one token in 64 draws");
    }

    [Fact]
    public void IgnoreEosGeneratesExactlyMaxNewTokensPerRow()
    {
        using var model = TinyModels.Policy(seed: 4);
        int[] everyToken = Enumerable.Range(0, TinyModels.Tokenizer.VocabSize).ToArray();
        var result = BatchGenerator.Generate(model, Prompts,
            new GenerationOptions { MaxNewTokens = 7, StopTokens = everyToken, IgnoreEos = true }, new Generator(2));
        Assert.All(result.Lengths, length => Assert.Equal(7, length));
        Assert.All(result.LogProbs, row => Assert.All(row, logProb => Assert.True(logProb < 0)));
    }

    [Fact]
    public void UncachedGeneratorMatchesTheCachedOne()
    {
        using var model = SharpPolicy();
        var options = new GenerationOptions { MaxNewTokens = 10, Greedy = true, IgnoreEos = true };
        var cached = BatchGenerator.Generate(model, Prompts, options, new Generator(1));
        var uncached = UncachedGenerator.Generate(model, Prompts, options, new Generator(1));
        Assert.Equal(cached.Responses, uncached.Responses);
        for (int r = 0; r < Prompts.Length; r++)
            for (int i = 0; i < cached.LogProbs[r].Length; i++)
                Assert.True(Math.Abs(cached.LogProbs[r][i] - uncached.LogProbs[r][i]) < 1e-4,
                    $"row {r} token {i}: {cached.LogProbs[r][i]} vs {uncached.LogProbs[r][i]}");
    }

    /// <summary>A tiny policy whose LM head is scaled up so the top two logits are far apart (no near-ties for greedy).</summary>
    static CausalLm SharpPolicy()
    {
        var model = TinyModels.Policy(seed: 6);
        model.eval();
        using var noGrad = no_grad();
        model.named_parameters().Single(p => p.name == "lm_head.weight").parameter.mul_(100);
        return model;
    }
}
