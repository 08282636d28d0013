using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

public class PpoMathTests
{
    [Fact]
    public void GaeMatchesHandComputedValues()
    {
        // γ = 1, λ = 0.95, r = (0, 0, 1), V = (0.5, 0.6, 0.7):
        // δ2 = 1 - 0.7 = 0.3;  δ1 = 0.7 - 0.6 = 0.1;  δ0 = 0.6 - 0.5 = 0.1
        // A2 = 0.3;  A1 = 0.1 + 0.95·0.3 = 0.385;  A0 = 0.1 + 0.95·0.385 = 0.46575;  R = A + V
        var (advantages, returns) = Ppo.Gae([0f, 0f, 1f], [0.5f, 0.6f, 0.7f], gamma: 1.0, lambda: 0.95);
        AssertClose([0.46575f, 0.385f, 0.3f], advantages);
        AssertClose([0.96575f, 0.985f, 1.0f], returns);

        // γ = 0.9, λ = 0.5, r = (1, 2), V = (0.5, 1): δ1 = 2 - 1 = 1, δ0 = 1 + 0.9·1 - 0.5 = 1.4; A0 = 1.4 + 0.45·1 = 1.85
        var (a2, r2) = Ppo.Gae([1f, 2f], [0.5f, 1f], gamma: 0.9, lambda: 0.5);
        AssertClose([1.85f, 1f], a2);
        AssertClose([2.35f, 2f], r2);
    }

    [Fact]
    public void TokenRewardsPenaliseKlAtEveryTokenAndAddTheScoreAtTheLast()
    {
        // β = 0.1: -0.1·(-1 - -1.5) = -0.05;  -0.1·(-2 - -1) + 2 = 2.1
        var rewards = Ppo.TokenRewards(2f, [-1f, -2f], [-1.5f, -1f], klCoef: 0.1);
        AssertClose([-0.05f, 2.1f], rewards);
    }

    [Fact]
    public void TokenLevelPolicyLossIgnoresMaskedTokens()
    {
        // ratios e^0.5 (A = +1 → clipped 1.2) and e^-0.5 (A = -1 → clipped -0.8); the third token is masked out.
        var (loss, clipFraction) = Ppo.PolicyLoss(tensor(new[,] { { 0.5f, -0.5f, 9f } }), zeros(1, 3),
            tensor(new[,] { { 1f, -1f, 5f } }), tensor(new[,] { { 1f, 1f, 0f } }), 0.2);
        Assert.Equal(-(1.2 - 0.8) / 2, loss.item<float>(), 5);
        Assert.Equal(1.0, clipFraction.item<float>(), 5);
    }

    [Fact]
    public void ClippedValueLossTakesTheLargerError()
    {
        // V = (1, 0), V_old = (0.5, 0.5), R = (2, 0.6), ε_V = 0.2:
        // token 0: (1-2)² = 1, clipped V = 0.7 → (0.7-2)² = 1.69 → 1.69;  token 1: (0-0.6)² = 0.36, clipped 0.3 → 0.09 → 0.36
        // L_V = ½·mean(1.69, 0.36) = 0.5125; the clipped term was larger on one token of two.
        var values = tensor(new[,] { { 1f, 0f } });
        var oldValues = tensor(new[,] { { 0.5f, 0.5f } });
        var returns = tensor(new[,] { { 2f, 0.6f } });
        var (loss, fraction) = Ppo.ValueLoss(values, oldValues, returns, ones(1, 2), 0.2);
        Assert.Equal(0.5125, loss.item<float>(), 5);
        Assert.Equal(0.5, fraction.item<float>(), 5);
        var (maskedLoss, _) = Ppo.ValueLoss(values, oldValues, returns, tensor(new[,] { { 1f, 0f } }), 0.2);
        Assert.Equal(0.845, maskedLoss.item<float>(), 5);
    }

    [Fact]
    public void AdaptiveKlControllerFollowsZieglersUpdate()
    {
        var adaptive = new KlController(0.1, target: 6, horizon: 10000);
        adaptive.Update(observedKl: 9, samples: 64);           // e = clip(9/6 - 1) = 0.2 → β = 0.1·(1 + 0.2·64/10⁴)
        Assert.Equal(0.1 * 1.00128, adaptive.Value, 12);
        adaptive.Update(observedKl: 6.6, samples: 64);         // e = 0.1 → ·(1 + 0.1·64/10⁴)
        Assert.Equal(0.1 * 1.00128 * 1.00064, adaptive.Value, 12);
        adaptive.Update(observedKl: 0, samples: 100);          // e = clip(-1) = -0.2 → ·(1 - 0.2·100/10⁴)
        Assert.Equal(0.1 * 1.00128 * 1.00064 * 0.998, adaptive.Value, 12);

        var fixedBeta = new KlController(0.1);
        fixedBeta.Update(observedKl: 100, samples: 64);
        Assert.Equal(0.1, fixedBeta.Value);
    }

    [Fact]
    public void RewardNormalizationUsesTheFirstBatchOrRunningStatistics()
    {
        var first = new RewardNormalizer(RewardNormalization.FirstBatch);
        AssertClose([-1f, 0f, 1f], first.Normalize([1f, 2f, 3f]));  // μ = 2, σ = 1
        AssertClose([3f], first.Normalize([5f]));                   // still μ = 2, σ = 1

        var running = new RewardNormalizer(RewardNormalization.Running);
        running.Normalize([1f, 2f, 3f]);
        var second = running.Normalize([4f, 5f]);                    // over 1..5: μ = 3, σ = √2.5
        AssertClose([(float)(1 / Math.Sqrt(2.5)), (float)(2 / Math.Sqrt(2.5))], second);
    }

    [Fact]
    public void AConstantRewardBatchIsOnlyCentredNotDividedByANearZeroStd()
    {
        var first = new RewardNormalizer(RewardNormalization.FirstBatch);
        AssertClose([0f, 0f, 0f], first.Normalize([2f, 2f, 2f]));   // σ = 0 < floor → 1
        Assert.Equal(1.0, first.Std);
        AssertClose([1f, -1.5f], first.Normalize([3f, 0.5f]));       // r - 2, still divided by 1

        // σ ≈ 6e-8 (one float ulp apart): below the floor, so r - μ stays ≈ ±3e-8 instead of ±0.7.
        var running = new RewardNormalizer(RewardNormalization.Running);
        float a = 1f, b = MathF.BitIncrement(1f);
        var nearlyConstant = running.Normalize([a, b]);
        Assert.All(nearlyConstant, r => Assert.True(Math.Abs(r) < 1e-6, $"normalized score {r} blew up"));
        Assert.Equal((a - b) / 2, nearlyConstant[0], 9);
        Assert.True(RewardNormalizer.StdFloor <= 1e-6);
    }

    [Fact]
    public void ClipFractionCountsOnlySamplesWhoseClippedTermIsTaken()
    {
        // ε = 0.2. The clipped term is taken (and differs) for A > 0 with ρ > 1.2 or A < 0 with ρ < 0.8.
        //   ρ      A     counted
        //   1.5   +1     yes   (-min(1.5, 1.2) = -1.2: clipped)
        //   1.5   -1     no    (-min(-1.5, -1.2) = 1.5: unclipped, outside the range but on the pessimistic side)
        //   0.5   -1     yes   (-min(-0.5, -0.8) = 0.8: clipped)
        //   0.5   +1     no    (-min(0.5, 0.8) = -0.5: unclipped)
        //   1.1   +1     no    (inside the range)
        //   3.0    0     no    (no advantage, no gradient either way)
        double[] ratios = [1.5, 1.5, 0.5, 0.5, 1.1, 3.0];
        float[] advantages = [1f, -1f, -1f, 1f, 1f, 0f];
        var logRatios = tensor(ratios.Select(r => (float)Math.Log(r)).ToArray());
        var (loss, clipped) = ClippedSurrogate.Terms(logRatios, zeros(6), tensor(advantages), 0.2);
        AssertClose([1f, 0f, 1f, 0f, 0f, 0f], clipped.data<float>().ToArray());
        AssertClose([-1.2f, 1.5f, 0.8f, -0.5f, -1.1f, 0f], loss.data<float>().ToArray());

        var (_, rlooFraction) = Rloo.PolicyLoss(logRatios, zeros(6), tensor(advantages), 0.2);
        Assert.Equal(2 / 6.0, rlooFraction.item<float>(), 5);
        // Per token, masked: the first four tokens of one row, so 2 of 4.
        var (_, ppoFraction) = Ppo.PolicyLoss(logRatios.view(1, 6), zeros(1, 6), tensor(advantages).view(1, 6),
            tensor(new[,] { { 1f, 1f, 1f, 1f, 0f, 0f } }), 0.2);
        Assert.Equal(0.5, ppoFraction.item<float>(), 5);
    }

    [Fact]
    public void WhitenedAdvantagesHaveZeroMeanAndUnitVarianceOnResponseTokens()
    {
        var whitened = Ppo.Whiten(tensor(new[,] { { 1f, 2f, 100f }, { 3f, 4f, 100f } }), tensor(new[,] { { 1f, 1f, 0f }, { 1f, 1f, 0f } }));
        // masked values 1..4: mean 2.5, population variance 1.25
        AssertClose([-1.5f / MathF.Sqrt(1.25f), -0.5f / MathF.Sqrt(1.25f), 0f, 0.5f / MathF.Sqrt(1.25f), 1.5f / MathF.Sqrt(1.25f), 0f],
            whitened.data<float>().ToArray());
    }

    static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 4);
    }
}
