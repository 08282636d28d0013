using System.Diagnostics;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>The practical peak: the best FLOP/s of square fp32 matmuls in this process, and of bf16 ones at the size that peaked.</summary>
public static class GemmBenchmark
{
    public static GemmReport Run(IReadOnlyList<int> sizes, double secondsPerSize, Device device)
    {
        var results = new List<GemmSizeResult>();
        foreach (int n in sizes) results.Add(Measure(n, ScalarType.Float32, secondsPerSize, device));
        var peak = results.MaxBy(r => r.GflopsPerSecond)!;
        var bf16 = Measure(peak.N, ScalarType.BFloat16, secondsPerSize, device);
        return new GemmReport(results, peak.GflopsPerSecond, bf16.GflopsPerSecond);
    }

    static GemmSizeResult Measure(int n, ScalarType dtype, double secondsPerSize, Device device)
    {
        {
            using var a = randn(n, n, dtype: dtype, device: device);
            using var b = randn(n, n, dtype: dtype, device: device);
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
            return new GemmSizeResult(n, best, 2.0 * n * n * n / best / 1e9);
        }
    }
}
