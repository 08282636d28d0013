using RlhfPlatform.Training.Objectives;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>Every objective against values computed by hand (Python's math module) on fixed rewards and log-probs.</summary>
public class ObjectiveLossTests
{
    // Δ = (1, -1.5, 0.7). Summed response log-probs: policy chosen/rejected and reference chosen/rejected.
    static readonly double[] Chosen = [1.0, 0.5, -0.2], Rejected = [0.0, 2.0, -0.9];
    static readonly double[] LogPiC = [-12, -30, -5], LogPiR = [-14, -25, -6], RefC = [-13, -28, -5.5], RefR = [-13.5, -26, -6.5];
    static readonly double[] DataMargins = [0.2, 1.0, 0.0];

    static RewardBatch Batch() => new(tensor(Chosen), tensor(Rejected))
    {
        Margins = tensor(DataMargins),
        ChosenLogProbs = tensor(LogPiC),
        RejectedLogProbs = tensor(LogPiR),
        ReferenceChosenLogProbs = tensor(RefC),
        ReferenceRejectedLogProbs = tensor(RefR),
    };

    static double Loss(IRewardObjective objective) => objective.Compute(Batch()).Total.item<double>();

    static double Term(IRewardObjective objective, string name) =>
        objective.Compute(Batch()).Terms.Single(t => t.Name == name).Value.item<double>();

    [Theory]
    [InlineData("bt", 0.8059536714621444)]                 // mean -log σ(Δ)
    [InlineData("label-smoothing", 0.8126203381288111)]    // mean -(0.9) log σ(Δ) - 0.1 log σ(-Δ)
    [InlineData("frozen", 0.8059536714621444)]             // bt
    [InlineData("ensemble", 0.8059536714621444)]           // bt per member
    [InlineData("bsr", 0.8064336714621444)]                // bt + 1e-3 · 3 · (2.6/6)²
    [InlineData("center", 0.8341536714621444)]             // bt + 0.01 · mean (1, 2.5, -1.1)²
    [InlineData("grm-sft", 0.8161806240911625)]            // 0.99 bt + 0.01 mean -log σ(0.1 logπ_c)
    [InlineData("grm-dpo", 0.8051223329902496)]            // 0.99 bt + 0.01 mean -log σ(0.1 ((lc-lr) - (rc-rr)))
    [InlineData("grm-dpo-noref", 0.8052828431263072)]      // 0.99 bt + 0.01 mean -log σ(0.1 (lc-lr))
    public void DefaultsMatchHandComputedValues(string method, double expected) =>
        Assert.Equal(expected, Loss(RewardObjectives.Create(new RewardObjectiveOptions { Method = method })), 10);

    [Fact]
    public void MarginUsesTheConstantOrElseTheDataMargins()
    {
        Assert.Equal(1.066381288201557, Loss(new MarginBradleyTerry(0.5)), 10);   // mean -log σ(Δ - 0.5)
        Assert.Equal(1.1177254830419283, Loss(new MarginBradleyTerry(null)), 10); // mean -log σ(Δ - (0.2, 1, 0))
        Assert.False(new MarginBradleyTerry(0.5).Traits.Margins);
        Assert.True(new MarginBradleyTerry(null).Traits.Margins);
    }

    [Fact]
    public void BsrPenaltyIsLambdaTimesPairsTimesTheSquaredBatchMean()
    {
        // B = 3: 3 · (2.6 / 6)² = 0.48. The same rewards twice (B = 6, same mean) doubles the penalty: λ·B scaling.
        var bsr = new BatchSumToZero(1e-3);
        Assert.Equal(0.48, Term(bsr, "bsr"), 10);
        var doubled = new RewardBatch(tensor(Chosen.Concat(Chosen).ToArray()), tensor(Rejected.Concat(Rejected).ToArray()));
        Assert.Equal(0.96, bsr.Compute(doubled).Terms.Single(t => t.Name == "bsr").Value.item<double>(), 10);
        Assert.Equal(0.8059536714621444 + 1e-3 * 0.96, bsr.Compute(doubled).Total.item<double>(), 10);
        // λ scales the penalty only.
        Assert.Equal(0.8059536714621444 + 1e-2 * 0.48, Loss(new BatchSumToZero(1e-2)), 10);
    }

    [Fact]
    public void CenterPenalisesEachPairWhereBsrPenalisesOnlyTheBatchMean()
    {
        // Pair sums (2, -2): the batch mean is 0, so BSR's penalty is 0; center's is mean(2², (-2)²) = 4.
        var batch = new RewardBatch(tensor(new[] { 3.0, -1.0 }), tensor(new[] { -1.0, -1.0 }));
        Assert.Equal(0.0, new BatchSumToZero(1e-3).Compute(batch).Terms.Single(t => t.Name == "bsr").Value.item<double>(), 12);
        Assert.Equal(4.0, new CenterRewards(0.01).Compute(batch).Terms.Single(t => t.Name == "center").Value.item<double>(), 12);
    }

    [Fact]
    public void GrmMixesWithAlphaAndTheNoLogSigmoidVariantUsesTheRawLogProb()
    {
        // α = 0.5: 0.5 · bt + 0.5 · sft
        Assert.Equal(1.317301302913052, Loss(new GrmSft(0.5, 0.1, logSigmoid: true)), 10);
        // no-logsigmoid: sft = mean(12, 30, 5) = 15.6667; 0.99 bt + 0.01 · 15.6667
        Assert.Equal(15.666666666666666, Term(new GrmSft(0.01, 0.1, logSigmoid: false), "sft"), 10);
        Assert.Equal(0.9545608014141895, Loss(new GrmSft(0.01, 0.1, logSigmoid: false)), 10);
        // α = 0 is plain bt; α = 1 is the regularizer alone.
        Assert.Equal(0.8059536714621444, Loss(new GrmDpo(0, 0.1)), 10);
        Assert.Equal(0.7228198242726681, Loss(new GrmDpo(1, 0.1)), 10);
    }

    [Fact]
    public void AnObjectiveMissingItsInputsSaysWhat()
    {
        var bare = new RewardBatch(tensor(Chosen), tensor(Rejected));
        var error = Assert.Throws<ArgumentException>(() => new GrmDpo(0.01, 0.1).Compute(bare));
        Assert.Contains("log-probs", error.Message);
        Assert.Throws<ArgumentException>(() => RewardObjectives.Create(new RewardObjectiveOptions { Method = "nope" }));
    }

    public static TheoryData<string> Methods() => [.. RewardObjectives.Methods];

    /// <summary>Autograd gradient of every input vs central differences of the loss, in float64.</summary>
    [Theory]
    [MemberData(nameof(Methods))]
    public void GradientMatchesFiniteDifferences(string method)
    {
        var objective = RewardObjectives.Create(new RewardObjectiveOptions { Method = method, GrmAlpha = 0.3, BsrLambda = 0.1, CenterCoefficient = 0.2 });
        double[][] inputs = [Chosen, Rejected, LogPiC, LogPiR];
        var leaves = inputs.Select(v => tensor(v).requires_grad_(true)).ToArray();
        RewardBatch Build(Tensor[] x) => new(x[0], x[1])
        {
            Margins = tensor(DataMargins),
            ChosenLogProbs = x[2],
            RejectedLogProbs = x[3],
            ReferenceChosenLogProbs = tensor(RefC),
            ReferenceRejectedLogProbs = tensor(RefR),
        };
        objective.Compute(Build(leaves)).Total.backward();

        const double h = 1e-6;
        for (int input = 0; input < inputs.Length; input++)
            for (int i = 0; i < inputs[input].Length; i++)
            {
                double Shifted(double delta)
                {
                    var copies = inputs.Select(v => v.ToArray()).ToArray();
                    copies[input][i] += delta;
                    return objective.Compute(Build(copies.Select(v => tensor(v)).ToArray())).Total.item<double>();
                }
                double numeric = (Shifted(h) - Shifted(-h)) / (2 * h);
                double analytic = leaves[input].grad is { } grad ? grad.data<double>()[i] : 0.0; // unused input: no gradient
                Assert.True(Math.Abs(numeric - analytic) < 1e-6, $"{method}: d loss / d input{input}[{i}] autograd {analytic} vs finite difference {numeric}");
            }
    }
}
