using RlhfPlatform.Modeling.Layers;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Batched sampling with a KV cache: prompts are left-padded and prefilled in one forward, then each
/// step feeds only the newest token and reads earlier keys and values from the preallocated cache,
/// so time per token stays nearly flat as the sequence grows.
/// </summary>
public static class BatchGenerator
{
    /// <param name="afterToken">called after each step with its index (benchmarks time steps with it)</param>
    public static GenerationResult Generate(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options,
        TorchSharp.torch.Generator rng, Action<int>? afterToken = null)
    {
        int longestPrompt = SamplingLoop.Validate(model, prompts, options);
        if (prompts.Count == 0) return new GenerationResult([], []);
        var (dtype, device) = ModelPlacement.Of(model);
        using var cache = new KvCache(model.Config, prompts.Count, longestPrompt + options.MaxNewTokens, dtype, device);
        return SamplingLoop.Run(model, prompts, options, rng, afterToken, (ids, mask, filled) =>
            model.Logits(ids.narrow(1, cache.Length, filled - cache.Length), mask.narrow(1, 0, filled), cache).select(1, -1));
    }
}
