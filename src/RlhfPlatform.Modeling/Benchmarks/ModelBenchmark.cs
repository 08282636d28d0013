using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>Runs every section of `rlhf bench model` in order; GEMM first, since the training ratios are to its peak.</summary>
public static class ModelBenchmark
{
    public static BenchmarkReport Run(BenchmarkPlan plan, Device device, Action<string>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        double loadAtStart = LoadAverage();
        progress?.Invoke($"GEMM peak ({string.Join(", ", plan.GemmSizes)})");
        var gemm = GemmBenchmark.Run(plan.GemmSizes, plan.GemmSecondsPerSize, device);
        progress?.Invoke($"training steps ({string.Join(", ", plan.TrainSizes.Select(s => s.Name))}; {string.Join(", ", TrainStepBenchmark.Variants)})");
        var train = TrainStepBenchmark.Run(plan.TrainSizes, plan.TrainSteps, gemm, device);
        progress?.Invoke("training-step memory and time with and without gradient checkpointing");
        var checkpointing = CheckpointBenchmark.Run(plan.TrainSizes, plan.TrainSteps, device);
        progress?.Invoke($"decode with and without the KV cache ({string.Join(", ", plan.DecodeLengths)} new tokens)");
        var decode = DecodeBenchmark.Run(plan.DecodeModel, plan.PromptLength, plan.DecodeLengths, device);
        progress?.Invoke($"batched generation (batch {string.Join(", ", plan.BatchSizes)})");
        var batch = BatchThroughputBenchmark.Run(plan.DecodeModel, plan.PromptLength, plan.BatchNewTokens, plan.BatchSizes, device);
        var environment = new BenchmarkEnvironment(device.ToString(), get_num_threads(), Environment.ProcessorCount, plan.Quick,
            clock.Elapsed.TotalSeconds, loadAtStart, LoadAverage());
        return new BenchmarkReport(environment, gemm, train, decode, batch, checkpointing);
    }

    /// <summary>The 1-minute load average from /proc/loadavg, or -1 where there is none.</summary>
    static double LoadAverage()
    {
        const string path = "/proc/loadavg";
        if (!File.Exists(path)) return -1;
        string first = File.ReadAllText(path).Split(' ')[0];
        return double.TryParse(first, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double load) ? load : -1;
    }
}
