using RlhfPlatform.Modeling.Memory;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>
/// A training step with and without gradient checkpointing, per training size: the activation bytes
/// it really held per token (the native heap between forward and backward, <see cref="TrainingMemoryProbe"/>),
/// the planned figure next to it, and the step-time cost, both modes timed in the same run.
/// </summary>
public static class CheckpointBenchmark
{
    public const string Method =
        "activation bytes: glibc mallinfo2 after the forward minus before it, divided by batch·seq tokens, after two warm-up steps; " +
        "planned: ActivationMemory; step time: the best of the timed steps, checkpointed / plain";

    public static CheckpointReport Run(IReadOnlyList<TrainSize> sizes, int steps, Device device)
    {
        if (!NativeHeap.IsAvailable) return new CheckpointReport(Method + " (not measured: no glibc mallinfo2)", []);
        var results = new List<CheckpointSizeResult>();
        foreach (var size in sizes)
        {
            var config = BenchmarkPlan.ConfigFor(size, size.SequenceLength);
            var plain = TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config, ScalarType.Float32, size.Batch, size.SequenceLength, false, steps, device);
            var checkpointed = TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config, ScalarType.Float32, size.Batch, size.SequenceLength, true, steps, device);
            double tokens = (double)size.Batch * size.SequenceLength;
            results.Add(new CheckpointSizeResult(size.Name, size.Batch, size.SequenceLength,
                plain.ActivationBytes / tokens, checkpointed.ActivationBytes / tokens,
                ActivationMemory.Training(config, 4, size.Batch, size.SequenceLength, false, lmLogits: true).SavedBytes / tokens,
                ActivationMemory.Training(config, 4, size.Batch, size.SequenceLength, true, lmLogits: true).SavedBytes / tokens,
                plain.BestSecondsPerStep, checkpointed.BestSecondsPerStep, checkpointed.BestSecondsPerStep / plain.BestSecondsPerStep));
        }
        return new CheckpointReport(Method, results);
    }
}
