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
    const int Rounds = 2;

    public const string Method =
        "activation bytes: glibc mallinfo2 after the forward minus before it, divided by batch·seq tokens, after two warm-up steps, last of two rounds; " +
        "planned: ActivationMemory; step time: the best timed step over two alternating rounds of each mode, checkpointed / plain";

    public static CheckpointReport Run(IReadOnlyList<TrainSize> sizes, int steps, Device device)
    {
        if (!NativeHeap.IsAvailable) return new CheckpointReport(Method + " (not measured: no glibc mallinfo2)", []);
        var results = new List<CheckpointSizeResult>();
        foreach (var size in sizes)
        {
            var config = BenchmarkPlan.ConfigFor(size, size.SequenceLength);
            MeasuredTrainingMemory Measure(bool checkpointing) =>
                TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config, ScalarType.Float32, size.Batch, size.SequenceLength, checkpointing, steps, device);
            // Alternating rounds, best time of each mode: a neighbour's burst on a shared machine then hits both, not one.
            // The first round also absorbs one-off costs (first use of a shape, JIT), so memory comes from the last.
            MeasuredTrainingMemory plain = Measure(false), checkpointed = Measure(true);
            double plainBest = plain.BestSecondsPerStep, checkpointedBest = checkpointed.BestSecondsPerStep;
            for (int round = 1; round < Rounds; round++)
            {
                plain = Measure(false);
                checkpointed = Measure(true);
                plainBest = Math.Min(plainBest, plain.BestSecondsPerStep);
                checkpointedBest = Math.Min(checkpointedBest, checkpointed.BestSecondsPerStep);
            }
            double tokens = (double)size.Batch * size.SequenceLength;
            results.Add(new CheckpointSizeResult(size.Name, size.Batch, size.SequenceLength,
                plain.ActivationBytes / tokens, checkpointed.ActivationBytes / tokens,
                ActivationMemory.Training(config, 4, size.Batch, size.SequenceLength, false, lmLogits: true).SavedBytes / tokens,
                ActivationMemory.Training(config, 4, size.Batch, size.SequenceLength, true, lmLogits: true).SavedBytes / tokens,
                plainBest, checkpointedBest, checkpointedBest / plainBest));
        }
        return new CheckpointReport(Method, results);
    }
}
