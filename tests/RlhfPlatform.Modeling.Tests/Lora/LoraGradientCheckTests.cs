using TorchSharp;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Lora;

/// <summary>
/// Autograd gradients of the LoRA parameters (A, B with B made non-zero, and the fully trained reward head)
/// against central finite differences in float64, through the same two-head loss as GradientCheckTests.
/// </summary>
public class LoraGradientCheckTests
{
    const double AbsoluteTolerance = 1e-7, RelativeTolerance = 1e-5;

    [Fact]
    public void LoraGradientsMatchCentralFiniteDifferences()
    {
        manual_seed(11);
        var config = ModelConfig.Small(vocabSize: 19, dim: 16, layers: 2, heads: 4, maxPositions: 32, bos: 0, eos: 1, pad: 2)
            with { NumKvHeads = 2, AttentionBias = true, RewardHead = "linear" };
        using var model = new RewardModel(config).to(ScalarType.Float64);
        model.eval();
        LoraModel.Attach(model, new LoraOptions { Rank = 2, Alpha = 3, Dropout = 0.2 }, seed: 4);
        LoraModels.RandomizeB(model, std: 0.3);
        using var batch = SequenceBatch.Build([[0, 5, 6], [0, 7]], [[8, 9, 1], [10, 11, 12, 13, 1]], config.PadTokenId);

        var trainable = LoraModel.TrainableParameters(model);
        Assert.Equal(2 * 7 * 2 + 1, trainable.Count);
        model.zero_grad();
        using (var loss = RewardModelGradientCheck.Loss(model, batch)) loss.backward();
        Assert.All(model.named_parameters().Where(p => !p.parameter.requires_grad), p => Assert.Null(p.parameter.grad));

        var random = new Random(5);
        int checkedEntries = 0;
        foreach (var (name, parameter) in trainable)
        {
            double[] analytic = parameter.grad!.contiguous().data<double>().ToArray();
            Assert.True(analytic.Max(Math.Abs) > 1e-6, $"{name}: no gradient reaches it");
            var largest = Enumerable.Range(0, analytic.Length).OrderByDescending(i => Math.Abs(analytic[i])).Take(2);
            foreach (int index in largest.Append(random.Next(analytic.Length)).Distinct())
            {
                double numeric = RewardModelGradientCheck.FiniteDifference(model, batch, parameter, index);
                double tolerance = AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric);
                Assert.True(Math.Abs(numeric - analytic[index]) <= tolerance,
                    $"{name}[{index}]: autograd {analytic[index]:E6} vs finite difference {numeric:E6}");
                checkedEntries++;
            }
        }
        Assert.True(checkedEntries >= 2 * trainable.Count);
    }
}
