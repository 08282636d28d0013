using System.Diagnostics;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>Sampled tokens per second of KV-cache generation against batch size (prompts of unequal length, left-padded).</summary>
public static class BatchThroughputBenchmark
{
    public static BatchThroughputReport Run(TrainSize shape, int promptLength, int newTokens, IReadOnlyList<int> batchSizes, Device device)
    {
        using var model = BenchmarkModels.Policy(shape, promptLength + newTokens, device);
        var options = new GenerationOptions { MaxNewTokens = newTokens, IgnoreEos = true };
        var results = new List<BatchSizeResult>();
        foreach (int batch in batchSizes)
        {
            int[][] prompts = Enumerable.Range(0, batch)
                .Select(r => BenchmarkModels.Prompt(promptLength - r % (promptLength / 2), shape.Vocab, seed: r)).ToArray();
            BatchGenerator.Generate(model, prompts, options with { MaxNewTokens = 2 }, new Generator(1)); // warm-up
            var clock = Stopwatch.StartNew();
            BatchGenerator.Generate(model, prompts, options, new Generator(1));
            double seconds = clock.Elapsed.TotalSeconds;
            results.Add(new BatchSizeResult(batch, seconds, (double)batch * newTokens / seconds, seconds / newTokens * 1e3));
        }
        return new BatchThroughputReport(shape.Name, newTokens, promptLength, results);
    }
}
