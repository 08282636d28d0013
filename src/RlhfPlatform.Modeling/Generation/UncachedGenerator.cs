namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// The same sampling as <see cref="BatchGenerator"/> without a KV cache: every step recomputes the
/// whole prefix. Only a baseline for the decode benchmark (time per token grows with the length).
/// </summary>
public static class UncachedGenerator
{
    public static GenerationResult Generate(ILanguageModel model, IReadOnlyList<int[]> prompts, GenerationOptions options,
        TorchSharp.torch.Generator rng, Action<int>? afterToken = null)
    {
        SamplingLoop.Validate(model, prompts, options);
        if (prompts.Count == 0) return new GenerationResult([], []);
        return SamplingLoop.Run(model, prompts, options, SamplingLoop.Shared(options, rng), afterToken, (ids, mask, filled) =>
            model.Logits(ids.narrow(1, 0, filled), mask.narrow(1, 0, filled), null).select(1, -1));
    }
}
