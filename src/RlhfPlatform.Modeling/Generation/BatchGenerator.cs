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
        TorchSharp.torch.Generator rng, Action<int>? afterToken = null) =>
        Generate(model, prompts, options, SamplingLoop.Shared(options, rng), afterToken);

    /// <summary>Each row sampled from its own seed (<paramref name="rowSeeds"/>, one per prompt row): its tokens do not depend on the other rows.</summary>
    public static GenerationResult Generate(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options,
        IReadOnlyList<long> rowSeeds)
    {
        if (rowSeeds.Count != prompts.Count) throw new ArgumentException($"{rowSeeds.Count} row seeds for {prompts.Count} prompts");
        var (_, device) = ModelPlacement.Of(model);
        using var uniforms = SamplingLoop.RowUniforms(rowSeeds, options.MaxNewTokens, device);
        return Generate(model, prompts, options, SamplingLoop.PerRow(options, uniforms), null);
    }

    static GenerationResult Generate(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options,
        SamplingLoop.NextTokens nextTokens, Action<int>? afterToken)
    {
        int longestPrompt = SamplingLoop.Validate(model, prompts, options);
        if (prompts.Count == 0) return new GenerationResult([], []);
        var (dtype, device) = ModelPlacement.Of(model);
        using var cache = new KvCache(model.Config, prompts.Count, longestPrompt + options.MaxNewTokens, dtype, device);
        return SamplingLoop.Run(model, prompts, options, nextTokens, afterToken, (ids, mask, filled) =>
            model.LastLogits(ids.narrow(1, cache.Length, filled - cache.Length), mask.narrow(1, 0, filled), cache));
    }
}
