using RlhfPlatform.Modeling.Memory;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpointing;

/// <summary>
/// The memory formulas against what a CPU training step really allocates (glibc's heap counters,
/// which libtorch's CPU allocator draws from): weights + gradients + AdamW moments, and the
/// activations held between forward and backward, with and without gradient checkpointing.
/// </summary>
[Collection(NativeHeapCollection.Name)]
public class MemoryPlanAccuracyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    const double Tolerance = 0.10;

    public static TheoryData<string, int, int, int, int, int, int, int, bool> Shapes => new()
    {
        // name, hidden, layers, heads, kv heads, vocab, batch, seq, checkpointing
        // Checkpointed activations are a few MB: large enough that the runtime's stray mallocs stay far below 10%.
        { "d128-L3-mha", 128, 3, 4, 4, 512, 8, 96, false },
        { "d128-L3-mha", 128, 3, 4, 4, 512, 8, 96, true },
        { "d192-L2-gqa", 192, 2, 6, 2, 1024, 4, 128, false },
        { "d192-L2-gqa", 192, 2, 6, 2, 1024, 4, 128, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CausalLmStepAllocatesWhatThePlanSays(string name, int hidden, int layers, int heads, int kvHeads, int vocab, int batch, int seq, bool checkpointing)
    {
        Assert.True(NativeHeap.IsAvailable, "glibc mallinfo2 is needed to measure tensor bytes");
        var config = ModelConfig.Small(vocab, hidden, layers, heads, 256, 0, 1, 2) with { NumKvHeads = kvHeads };
        TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config with { NumLayers = 1 }, ScalarType.Float32, batch, seq, checkpointing); // first-use allocations of libtorch
        var measured = Median(() => TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config, ScalarType.Float32, batch, seq, checkpointing));

        long parameters = ParameterCounts.CausalLm(config);
        long plannedState = parameters * (4 + 4 + 8); // fp32 weights, gradients, two AdamW moments
        var plannedActivations = ActivationMemory.Training(config, 4, batch, seq, checkpointing, lmLogits: true);
        AssertWithin(name, "weights+gradients+optimizer", plannedState, measured.StateBytes);
        AssertWithin(name, "activations", plannedActivations.SavedBytes, measured.ActivationBytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RewardModelStepAllocatesWhatThePlanSays(bool checkpointing)
    {
        var config = ModelConfig.Small(512, 128, 2, 4, 256, 0, 1, 2) with { NumKvHeads = 2, RewardHead = "linear" };
        TrainingMemoryProbe.Measure(ProbeModel.RewardModel, config with { NumLayers = 1 }, ScalarType.Float32, 4, 64, checkpointing);
        var measured = Median(() => TrainingMemoryProbe.Measure(ProbeModel.RewardModel, config, ScalarType.Float32, 4, 64, checkpointing));
        // The LM head is in the optimizer (moments) but a Bradley-Terry loss gives it no gradient.
        long plannedState = ParameterCounts.RewardModel(config, "linear") * 16 - ParameterCounts.LmHead(config) * 4;
        var plannedActivations = ActivationMemory.Training(config, 4, 4, 64, checkpointing, lmLogits: false);
        AssertWithin("reward", "weights+gradients+optimizer", plannedState, measured.StateBytes);
        AssertWithin("reward", "activations", plannedActivations.SavedBytes, measured.ActivationBytes);
    }

    [Fact]
    public void CheckpointingCutsActivationsToAFewBlockInputs()
    {
        var config = ModelConfig.Small(256, 128, 4, 4, 256, 0, 1, 2) with { NumKvHeads = 2 };
        var plain = TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config, ScalarType.Float32, 4, 64, gradientCheckpointing: false);
        var checkpointed = TrainingMemoryProbe.Measure(ProbeModel.CausalLm, config, ScalarType.Float32, 4, 64, gradientCheckpointing: true);
        Assert.True(checkpointed.ActivationBytes * 3 < plain.ActivationBytes,
            $"checkpointed activations {checkpointed.ActivationBytes:N0} B are not under a third of {plain.ActivationBytes:N0} B");
    }

    [Theory]
    [InlineData("none", false, "llama")]
    [InlineData("linear", true, "qwen2")]
    [InlineData("mlp", false, "qwen3")]
    public void ParameterCountsMatchTheModules(string head, bool tied, string modelType)
    {
        var config = ModelConfig.Small(97, 48, 2, 6, 64, 0, 1, 2) with { NumKvHeads = 3, TieWordEmbeddings = tied, ModelType = modelType, MlpBias = modelType == "llama", RewardHead = head };
        if (head == "none")
        {
            using var lm = new CausalLm(config);
            Assert.Equal(lm.parameters().Sum(p => p.numel()), ParameterCounts.CausalLm(config));
        }
        else
        {
            using var rm = new RewardModel(config);
            Assert.Equal(rm.parameters().Sum(p => p.numel()), ParameterCounts.RewardModel(config, head));
        }
    }

    /// <summary>
    /// The median of three measurements, figure by figure: the runtime's own malloc use (JIT tiering)
    /// now and then lands between two samples and moves one measurement by a megabyte.
    /// </summary>
    static MeasuredTrainingMemory Median(Func<MeasuredTrainingMemory> measure)
    {
        var runs = Enumerable.Range(0, 3).Select(_ => measure()).ToArray();
        long Middle(Func<MeasuredTrainingMemory, long> figure) => runs.Select(figure).Order().ElementAt(1);
        return new MeasuredTrainingMemory(Middle(r => r.StateBytes), Middle(r => r.ActivationBytes), Middle(r => r.LeftAfterStepBytes),
            runs.Min(r => r.BestSecondsPerStep));
    }

    void AssertWithin(string shape, string what, long planned, long measured)
    {
        double error = Math.Abs(planned - measured) / (double)measured;
        output.WriteLine($"{shape} {what}: planned {planned:N0} B, measured {measured:N0} B ({(planned - measured) / (double)measured:+0.0%;-0.0%})");
        Assert.True(error <= Tolerance, $"{shape} {what}: planned {planned:N0} B, measured {measured:N0} B ({error:P1} off)");
    }
}
