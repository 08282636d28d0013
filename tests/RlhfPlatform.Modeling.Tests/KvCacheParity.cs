using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

static class KvCacheParity
{
    /// <summary>Each sampled token's log-prob from KV-cache generation equals a full forward pass over prompt + response.</summary>
    public static void AssertMatchesFullForward(ILanguageModel model, int[][] prompts, GenerationResult result, double temperature,
        int padId, float tolerance)
    {
        using var batch = SequenceBatch.Build(prompts, result.Responses, padId);
        using var noGrad = no_grad();
        using var full = ResponseLogProbs.PerToken(model, batch, temperature);
        for (int r = 0; r < prompts.Length; r++)
        {
            Assert.True(result.Responses[r].Length > 0);
            var expected = full[r].narrow(0, prompts[r].Length, result.Responses[r].Length).data<float>().ToArray();
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - result.LogProbs[r][i]) < tolerance,
                    $"row {r} token {i}: cache {result.LogProbs[r][i]} vs full {expected[i]}");
        }
    }
}
