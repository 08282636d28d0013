using System.Diagnostics;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>
/// Single-sequence decode with and without the KV cache. One run per mode to the longest length;
/// the figures for n new tokens are its first n steps (decoding is sequential, so they are exactly
/// what a run of n tokens costs).
/// </summary>
public static class DecodeBenchmark
{
    public const string Method = "one run per mode to the longest length, timed per step; n-token figures use its first n steps";

    public static DecodeReport Run(TrainSize shape, int promptLength, IReadOnlyList<int> lengths, Device device)
    {
        int longest = lengths.Max();
        using var model = BenchmarkModels.Policy(shape, promptLength + longest, device);
        int[][] prompt = [BenchmarkModels.Prompt(promptLength, shape.Vocab, seed: 0)];
        var modes = new List<DecodeModeResult>();
        foreach (bool kvCache in new[] { true, false })
        {
            var options = new GenerationOptions { MaxNewTokens = longest, IgnoreEos = true };
            Generate(model, prompt, options with { MaxNewTokens = 4 }, kvCache, null); // warm-up
            var stamps = new double[longest];
            var clock = Stopwatch.StartNew();
            Generate(model, prompt, options, kvCache, step => stamps[step] = clock.Elapsed.TotalSeconds);
            modes.Add(new DecodeModeResult(kvCache, lengths.Select(n => Summarize(stamps, n)).ToList()));
        }
        return new DecodeReport(shape.Name, model.parameters().Sum(p => p.numel()), promptLength, 1, Method, modes);
    }

    static GenerationResult Generate(CausalLm model, int[][] prompts, GenerationOptions options, bool kvCache, Action<int>? afterToken) =>
        kvCache
            ? BatchGenerator.Generate(model, prompts, options, new Generator(1), afterToken)
            : UncachedGenerator.Generate(model, prompts, options, new Generator(1), afterToken);

    static DecodeLengthResult Summarize(double[] stamps, int n)
    {
        // Step 0 includes the prompt's prefill, so the start window begins at step 1.
        int window = Math.Max(1, n / 10);
        double start = (stamps[window] - stamps[0]) / window;
        double end = (stamps[n - 1] - stamps[n - 1 - window]) / window;
        return new DecodeLengthResult(n, n / stamps[n - 1], start * 1e3, end * 1e3, end / start);
    }
}
