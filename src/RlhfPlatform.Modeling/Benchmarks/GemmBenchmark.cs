using System.Diagnostics;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>The practical peak: the best FLOP/s of square fp32 matmuls in this process.</summary>
public static class GemmBenchmark
{
    public static GemmReport Run(IReadOnlyList<int> sizes, double secondsPerSize, Device device)
    {
        var results = new List<GemmSizeResult>();
        foreach (int n in sizes)
        {
            using var a = randn(n, n, device: device);
            using var b = randn(n, n, device: device);
            using (a.mm(b)) { } // warm-up: thread pool and packing buffers
            double best = double.MaxValue, spent = 0;
            int repetitions = 0;
            while (spent < secondsPerSize || repetitions < 3)
            {
                using var scope = NewDisposeScope();
                var clock = Stopwatch.StartNew();
                a.mm(b);
                double seconds = clock.Elapsed.TotalSeconds;
                best = Math.Min(best, seconds);
                spent += seconds;
                repetitions++;
            }
            results.Add(new GemmSizeResult(n, best, 2.0 * n * n * n / best / 1e9));
        }
        return new GemmReport(results, results.Max(r => r.GflopsPerSecond));
    }
}
