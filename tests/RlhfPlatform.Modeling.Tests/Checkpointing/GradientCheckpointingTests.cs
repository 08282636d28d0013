using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpointing;

/// <summary>
/// Gradient checkpointing changes memory, never results: the loss and every parameter's gradient
/// equal the uncheckpointed ones, on right-padded rows, through both heads.
/// </summary>
public class GradientCheckpointingTests
{
    const double Float64Tolerance = 1e-10;
    // fp32: the recomputed forward is the same kernels on the same inputs; only summation order could differ.
    const double Float32Tolerance = 1e-5;

    [Theory]
    [InlineData(ScalarType.Float64, Float64Tolerance, false)]
    [InlineData(ScalarType.Float32, Float32Tolerance, true)]
    public void CausalLmGradientsEqualUncheckpointed(ScalarType dtype, double tolerance, bool tied)
    {
        manual_seed(21);
        using var model = new CausalLm(Config("none", tied)).to(dtype);
        model.train();
        using var batch = Batch();
        var parameters = model.named_parameters().ToList();
        Func<Tensor> loss = () => ResponseLogProbs.Sum(model, batch).sum().neg();
        AssertSameGradients(parameters, model.Backbone, loss, tolerance);
    }

    [Theory]
    [InlineData(ScalarType.Float64, Float64Tolerance, "linear")]
    [InlineData(ScalarType.Float64, Float64Tolerance, "mlp")]
    [InlineData(ScalarType.Float32, Float32Tolerance, "linear")]
    public void RewardModelGradientsEqualUncheckpointed(ScalarType dtype, double tolerance, string head)
    {
        manual_seed(22);
        using var model = new RewardModel(Config(head, tied: false)).to(dtype);
        model.eval(); // the mlp head's dropout would draw differently between the two passes' heads
        using var batch = Batch();
        var parameters = model.named_parameters().ToList();
        Func<Tensor> loss = () =>
        {
            using var scope = NewDisposeScope();
            var (rewards, hidden) = model.RewardsAndHidden(batch.InputIds, batch.AttentionMask);
            var logits = model.LogitsFromHidden(hidden);
            var logLikelihood = ResponseLogProbs.FromLogits(logits, batch.InputIds, batch.ResponseMask).sum();
            return rewards.sum().sub(logLikelihood).MoveToOuterDisposeScope();
        };
        AssertSameGradients(parameters, model.Backbone, loss, tolerance);
    }

    [Fact]
    public void DropoutInsideACheckpointedBlockReplaysItsMasks()
    {
        manual_seed(5);
        using var weight = new Parameter(randn(8, 8, dtype: ScalarType.Float64));
        using var inputLeaf = randn(3, 8, dtype: ScalarType.Float64).requires_grad_(true);
        using var scale = ones(8, dtype: ScalarType.Float64).mul(TorchScalars.IntTwo);
        BlockCheckpoint.Block block = (x, c) =>
        {
            using var scope = NewDisposeScope();
            var dropped = nn.functional.dropout(nn.functional.linear(x, weight), 0.5, training: true);
            return nn.functional.linear(dropped.mul(c[0]).tanh(), weight).MoveToOuterDisposeScope();
        };

        (double[] Weight, double[] Input, double NextDraw) Run(bool checkpoint)
        {
            using var scope = NewDisposeScope();
            weight.grad?.zero_();
            inputLeaf.grad?.zero_();
            manual_seed(9);
            var x = inputLeaf.mul(scale);
            var y = checkpoint ? BlockCheckpoint.Run(block, x, [scale], [weight]) : block(x, [scale]);
            y.Squared().sum().backward();
            double next = rand(1, dtype: ScalarType.Float64).item<double>();
            return (weight.grad!.data<double>().ToArray(), inputLeaf.grad!.data<double>().ToArray(), next);
        }

        var plain = Run(checkpoint: false);
        var checkpointed = Run(checkpoint: true);
        Assert.Equal(plain.Weight, checkpointed.Weight);
        Assert.Equal(plain.Input, checkpointed.Input);
        Assert.Equal(plain.NextDraw, checkpointed.NextDraw); // the recomputation leaves the random stream where the forward left it
        Assert.Contains(plain.Weight, g => g != 0);
    }

    [Fact]
    public void FrozenEmbeddingStillTrainsTheCheckpointedBlocks()
    {
        manual_seed(23);
        using var model = new CausalLm(Config("none", tied: false)).to(ScalarType.Float64);
        model.Backbone.EmbeddingWeight.requires_grad_(false);
        using var batch = Batch();
        var parameters = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        AssertSameGradients(parameters, model.Backbone, () => ResponseLogProbs.Sum(model, batch).sum().neg(), Float64Tolerance);
        Assert.Contains(parameters, p => p.name.Contains("layers.0.") && p.parameter.grad is { } g && g.abs().max().item<double>() > 0);
    }

    [Fact]
    public void NoRecordingMeansNoCheckpointNode()
    {
        manual_seed(24);
        using var model = new CausalLm(Config("none", tied: false));
        model.Backbone.GradientCheckpointing = true;
        using var batch = Batch();
        using var scope = NewDisposeScope();
        using (no_grad()) Assert.False(model.Logits(batch.InputIds, batch.AttentionMask, null).requires_grad);
        Assert.True(model.Logits(batch.InputIds, batch.AttentionMask, null).requires_grad);
    }

    static void AssertSameGradients(List<(string name, Parameter parameter)> parameters, DecoderBackbone backbone, Func<Tensor> loss, double tolerance)
    {
        var (plainLoss, plain) = LossAndGradients(parameters, backbone, loss, checkpoint: false);
        var (checkpointedLoss, checkpointed) = LossAndGradients(parameters, backbone, loss, checkpoint: true);
        Assert.True(Math.Abs(plainLoss - checkpointedLoss) <= tolerance * Math.Abs(plainLoss), $"loss {plainLoss} vs {checkpointedLoss}");
        foreach (var (name, _) in parameters)
        {
            double[] a = plain[name], b = checkpointed[name];
            double scale = a.Max(Math.Abs);
            Assert.True(scale > 0, $"{name}: no gradient reaches it");
            double worst = a.Zip(b).Max(p => Math.Abs(p.First - p.Second)) / scale;
            Assert.True(worst <= tolerance, $"{name}: checkpointed gradient differs by {worst:E2} of its largest entry");
        }
    }

    static (double Loss, Dictionary<string, double[]> Gradients) LossAndGradients(
        List<(string name, Parameter parameter)> parameters, DecoderBackbone backbone, Func<Tensor> loss, bool checkpoint)
    {
        foreach (var (_, p) in parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
        backbone.GradientCheckpointing = checkpoint;
        double value;
        using (var scope = NewDisposeScope())
        {
            var l = loss();
            value = l.to_type(ScalarType.Float64).item<double>();
            l.backward();
        }
        backbone.GradientCheckpointing = false;
        return (value, parameters.ToDictionary(p => p.name, p =>
        {
            using var grad = p.parameter.grad!;
            using var wide = grad.to_type(ScalarType.Float64).contiguous();
            return wide.data<double>().ToArray();
        }));
    }

    static ModelConfig Config(string head, bool tied) => ModelConfig.Small(vocabSize: 23, dim: 16, layers: 3, heads: 4, maxPositions: 32, bos: 0, eos: 1, pad: 2)
        with { NumKvHeads = 2, RewardHead = head, TieWordEmbeddings = tied };

    /// <summary>Right-padded rows of unequal length.</summary>
    static SequenceBatch Batch() => SequenceBatch.Build([[0, 5, 6], [0, 7], [0, 9, 10, 11]], [[8, 9, 1], [10, 11, 12, 13, 1], [4, 1]], padId: 2);
}
