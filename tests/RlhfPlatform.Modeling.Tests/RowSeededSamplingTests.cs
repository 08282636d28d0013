using RlhfPlatform.Modeling.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

/// <summary>Sampling each row from its own seed: the inverse CDF by hand, and a row's independence from its batch.</summary>
public class RowSeededSamplingTests
{
    [Theory]
    // probabilities 0.1, 0.2, 0.3, 0.4: cumulative 0.1, 0.3, 0.6, 1.0
    [InlineData(0.0, 0)]
    [InlineData(0.09, 0)]
    [InlineData(0.1, 1)]
    [InlineData(0.29, 1)]
    [InlineData(0.31, 2)]
    [InlineData(0.61, 3)]
    [InlineData(0.999999, 3)]
    public void InverseCdfPicksTheTokenWhoseIntervalHoldsTheDraw(double u, long expected)
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 0.1f, 0.2f, 0.3f, 0.4f }).log().unsqueeze(0);
        var (tokens, logProbs) = TokenSampler.Next(logits, new GenerationOptions { MaxNewTokens = 1 }, tensor(new[] { u }));
        Assert.Equal(expected, tokens.item<long>());
        Assert.Equal(Math.Log(new[] { 0.1, 0.2, 0.3, 0.4 }[expected]), logProbs.item<float>(), 5);
    }

    [Fact]
    public void FilteredOutTokensAreNeverDrawnEvenAtTheEdges()
    {
        using var scope = NewDisposeScope();
        // top-k 2 keeps tokens 2 and 3 (renormalized 3/7, 4/7): a draw of 0 must not land on token 0 or 1.
        var logits = tensor(new[] { 0.1f, 0.2f, 0.3f, 0.4f }).log().unsqueeze(0).expand(3, 4).contiguous();
        var (tokens, _) = TokenSampler.Next(logits, new GenerationOptions { MaxNewTokens = 1, TopK = 2 }, tensor(new[] { 0.0, 3.0 / 7 + 1e-6, 0.9999999 }));
        Assert.Equal([2L, 3L, 3L], tokens.data<long>().ToArray());
    }

    [Fact]
    public void DrawFrequenciesFollowTheDistribution()
    {
        using var model = TinyModels.Policy(seed: 5);
        int[] prompt = TinyModels.Prompt("freq");
        const int rows = 4000;
        var options = new GenerationOptions { MaxNewTokens = 1, Temperature = 0.5 };
        double[] expected;
        using (no_grad())
        using (var ids = tensor(prompt.Select(t => (long)t).ToArray()).unsqueeze(0))
        using (var logits = model.forward(ids))
        using (var temperature = 0.5.ToScalar())
        using (var probs = logits[0, -1].div(temperature).softmax(-1).to(ScalarType.Float64))
            expected = probs.data<double>().ToArray();
        var result = BatchGenerator.Generate(model, Enumerable.Repeat(prompt, rows).ToArray(), options,
            Enumerable.Range(0, rows).Select(r => 1000L + r).ToArray());
        var counts = new double[expected.Length];
        foreach (var response in result.Responses) counts[response[0]]++;
        // Total variation between the empirical and the model's distribution; by chance it is about
        // Σ sqrt(p(1 − p) / rows) / 2 · sqrt(2/π), here (a cooled, peaked distribution) about 0.01.
        double tv = 0.5 * expected.Select((p, i) => Math.Abs(p - counts[i] / rows)).Sum();
        double chance = 0.5 * Math.Sqrt(2 / Math.PI) * expected.Sum(p => Math.Sqrt(p * (1 - p) / rows));
        Assert.True(tv < 3 * chance, $"total variation {tv:F4} between sampled and model frequencies (chance level {chance:F4})");
    }

    [Fact]
    public void ARowSamplesTheSameTokensAloneAsInABatchWithOtherPrompts()
    {
        using var model = TinyModels.Policy(seed: 6);
        var options = new GenerationOptions { MaxNewTokens = 10, IgnoreEos = true };
        int[][] prompts = [TinyModels.Prompt("a"), TinyModels.Prompt("a much longer prompt"), TinyModels.Prompt("abc:")];
        long[] seeds = [11, 12, 13];
        var together = BatchGenerator.Generate(model, prompts, options, seeds);
        for (int r = 0; r < prompts.Length; r++)
        {
            var alone = BatchGenerator.Generate(model, [prompts[r]], options, [seeds[r]]);
            Assert.Equal(together.Responses[r], alone.Responses[0]);
            Assert.Equal(together.LogProbs[r], alone.LogProbs[0], (a, b) => Math.Abs(a - b) < 1e-4);
        }
        var otherSeed = BatchGenerator.Generate(model, [prompts[0]], options, [99L]);
        Assert.NotEqual(together.Responses[0], otherSeed.Responses[0]);
    }
}
