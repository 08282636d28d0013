using TorchSharp;
using RlhfPlatform.Modeling.Generation;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

/// <summary>
/// Autograd gradients of the whole model (float64) against central finite differences
/// (L(θ + ε) − L(θ − ε)) / 2ε, for sampled entries of every parameter. The loss uses both heads:
/// response log-likelihood through the LM head and the reward read at the last real token.
/// </summary>
public class GradientCheckTests
{
    // fp64: truncation error ~ε²·L‴ and rounding ~1e-16·|L|/ε both stay below 1e-8 here.
    const double AbsoluteTolerance = 1e-7, RelativeTolerance = 1e-5;

    static readonly string[] EveryKind =
    [
        "embed_tokens", "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj",
        "input_layernorm", "post_attention_layernorm", "model.norm", "score",
    ];

    [Theory]
    [InlineData("linear", false)]
    [InlineData("mlp", true)]
    public void GradientsMatchCentralFiniteDifferences(string rewardHead, bool tiedEmbeddings)
    {
        manual_seed(11);
        var config = ModelConfig.Small(vocabSize: 19, dim: 16, layers: 2, heads: 4, maxPositions: 32, bos: 0, eos: 1, pad: 2)
            with { NumKvHeads = 2, AttentionBias = true, RewardHead = rewardHead, TieWordEmbeddings = tiedEmbeddings };
        using var model = new RewardModel(config).to(ScalarType.Float64);
        model.eval();
        Randomize(model);
        using var batch = SequenceBatch.Build([[0, 5, 6], [0, 7]], [[8, 9, 1], [10, 11, 12, 13, 1]], config.PadTokenId);

        var parameters = model.named_parameters().ToList();
        var names = parameters.Select(p => p.name).ToList();
        string[] kinds = tiedEmbeddings ? EveryKind : [.. EveryKind, "lm_head"];
        foreach (string kind in kinds) Assert.Contains(names, n => n.Contains(kind));
        Assert.All(parameters, p => Assert.Equal(ScalarType.Float64, p.parameter.dtype));

        model.zero_grad();
        using (var loss = RewardModelGradientCheck.Loss(model, batch)) loss.backward();

        var random = new Random(5);
        int checkedEntries = 0;
        foreach (var (name, parameter) in parameters)
        {
            double[] analytic = parameter.grad!.contiguous().data<double>().ToArray();
            Assert.True(analytic.Max(Math.Abs) > 1e-6, $"{name}: no gradient reaches it");
            foreach (int index in EntriesToCheck(analytic, random))
            {
                double numeric = RewardModelGradientCheck.FiniteDifference(model, batch, parameter, index);
                double tolerance = AbsoluteTolerance + RelativeTolerance * Math.Abs(numeric);
                Assert.True(Math.Abs(numeric - analytic[index]) <= tolerance,
                    $"{name}[{index}]: autograd {analytic[index]:E6} vs finite difference {numeric:E6}");
                checkedEntries++;
            }
        }
        Assert.True(checkedEntries >= 2 * parameters.Count, $"only {checkedEntries} entries checked");
    }

    [Fact]
    public void Float64ModelGeneratesWithItsOwnDtypeInTheCache()
    {
        manual_seed(3);
        using var model = new CausalLm(TinyModels.Config()).to(ScalarType.Float64);
        model.eval();
        using var ids = tensor(new long[] { 256, 97, 98 }).unsqueeze(0);
        using (no_grad())
        using (var logits = model.forward(ids))
            Assert.Equal(ScalarType.Float64, logits.dtype);
        var result = BatchGenerator.Generate(model, [TinyModels.Prompt("ab"), TinyModels.Prompt("a")],
            new GenerationOptions { MaxNewTokens = 5, IgnoreEos = true }, new Generator(1));
        Assert.All(result.Lengths, length => Assert.Equal(5, length));
    }

    /// <summary>Away from the initialisation (weights ~0.02, norms exactly 1) so that every nonlinearity is exercised.</summary>
    static void Randomize(RewardModel model)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var noise = randn_like(parameter);
            if (name.EndsWith("norm.weight")) parameter.copy_(noise * 0.2 + 1);
            else parameter.copy_(noise * (name.Contains("embed") ? 1.0 : 0.3));
        }
    }

    /// <summary>The two largest-gradient entries (so a wrong gradient cannot hide behind zeros) and two random ones.</summary>
    static IEnumerable<int> EntriesToCheck(double[] gradient, Random random)
    {
        var largest = Enumerable.Range(0, gradient.Length).OrderByDescending(i => Math.Abs(gradient[i])).Take(2);
        var sampled = Enumerable.Range(0, 2).Select(_ => random.Next(gradient.Length));
        return largest.Concat(sampled).Distinct();
    }
}
