using System.Diagnostics;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.Rl;
using Xunit.Abstractions;

namespace RlhfPlatform.Training.Tests;

/// <summary>
/// RL on the length task (target 8) from a shared SFT policy, 16 prompts × 4 samples per step, all seeded.
/// The learnable-gold tests use the gold reward itself as the reward source (no noise); the
/// over-optimization tests use a misspecified proxy, the response length in characters, unbounded.
/// </summary>
public class PolicyOptimizationTests(SftPolicyFixture fixture, ITestOutputHelper output) : IClassFixture<SftPolicyFixture>
{
    const int PromptsPerStep = 16, SamplesPerPrompt = 4;
    static readonly GenerationOptions Sampling = new() { MaxNewTokens = 16 };
    static readonly GenerationOptions LongSampling = new() { MaxNewTokens = 24 };
    static readonly IRewardSource LengthProxy = new TextRewardSource(SftPolicyFixture.Tokenizer, (_, response) => response.Length);
    static readonly int[][] TrainPrompts = SftPolicyFixture.Prompts(480, seed: 1, "train");
    static readonly int[][] EvalPrompts = SftPolicyFixture.Prompts(64, seed: 1, "eval");

    // Observed (seed 5 SFT, 25 steps): RLOO 1.180 → 1.52, PPO 1.180 → 1.48 to 1.60; the margin leaves room for platform numerics.
    const double GoldGainMargin = 0.15;

    [Fact]
    public void RlooRaisesTheGoldRewardOfTheSftPolicy()
    {
        using var policy = fixture.Copy();
        using var reference = fixture.Copy();
        using var trainer = new RlooTrainer(policy, new RlooOptions { LearningRate = 1e-3, KlCoef = 0.05, Epochs = 2, MiniBatches = 2, Seed = 1 });
        AssertGoldRises("RLOO", policy, reference, trainer, steps: 25);
    }

    [Theory]
    [InlineData(CriticKind.SharedBackbone, RewardNormalization.None, false)]
    [InlineData(CriticKind.Separate, RewardNormalization.FirstBatch, true)]
    public void PpoRaisesTheGoldRewardOfTheSftPolicy(CriticKind critic, RewardNormalization normalization, bool adaptiveKl)
    {
        using var policy = fixture.Copy();
        using var reference = fixture.Copy();
        // Adaptive: target 1 nat; a horizon of 640 samples lets β move within 25 steps of 64 samples.
        using var trainer = new PpoTrainer(policy, reference, new PpoOptions
        {
            LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Critic = critic, RewardNormalization = normalization,
            KlTarget = adaptiveKl ? 1.0 : null, KlHorizon = 640, Seed = 1,
        });
        AssertGoldRises($"PPO ({critic}, {normalization}, {(adaptiveKl ? "adaptive" : "fixed")} KL)", policy, reference, trainer, steps: 25);
        if (adaptiveKl) Assert.True(trainer.Kl.Value > 0.05, $"KL above target raised β (now {trainer.Kl.Value:F4})");
        else Assert.Equal(0.05, trainer.Kl.Value);
    }

    [Fact]
    public void OverOptimizationOfALengthProxyIsDetected()
    {
        using var policy = fixture.Copy();
        using var reference = fixture.Copy();
        using var trainer = new RlooTrainer(policy, new RlooOptions { LearningRate = 5e-4, KlCoef = 0.01, Epochs = 2, MiniBatches = 2, Seed = 2 });
        var curve = new List<CurvePoint>();
        for (int step = 0; step < 20; step++)
        {
            var m = RlStep.Run(policy, reference, trainer, LengthProxy, SftPolicyFixture.Gold, Batch(step), SamplesPerPrompt, LongSampling, seed: 100 + step).Values;
            curve.Add(new CurvePoint(m["rl/kl"], m["rl/proxy_reward"], m["rl/gold_reward"]));
            output.WriteLine($"step {step}: KL {m["rl/kl"]:F2} proxy {m["rl/proxy_reward"]:F2} gold {m["rl/gold_reward"]:F3}");
        }
        var report = OverOptimization.Detect(curve, minGoldDrop: 0.3, minProxyRise: 3, window: 3);
        output.WriteLine(report.Explanation);
        Assert.True(report.OverOptimized, report.Explanation);
        Assert.True(report.PeakX < curve.Max(p => p.X), "the gold peak comes before the largest KL");

        var evaluation = PolicyEvaluator.Evaluate(policy, reference, EvalPrompts, SftPolicyFixture.Gold, LengthProxy,
            new EvaluationOptions { Generation = LongSampling, Seed = 3 });
        output.WriteLine(Describe("after", evaluation));
        Assert.True(evaluation.ProxyReward > evaluation.ReferenceProxyReward + 3, "the proxy (length) went up");
        Assert.True(evaluation.GoldReward < evaluation.ReferenceGoldReward, "the gold reward went down");
        Assert.True(evaluation.WinRates.WinRate < 0.5, "the over-optimized policy loses to the SFT policy");
    }

    [Fact]
    public void BestOfNCurveRisesWithAGoodProxyAndOverOptimizesALengthProxy()
    {
        using var policy = fixture.Copy();
        const int n = 32;
        var prompts = EvalPrompts.Take(32).ToArray();
        var watch = Stopwatch.StartNew();
        var withGold = BestOfN.Run(policy, prompts, n, LongSampling, SftPolicyFixture.Gold, SftPolicyFixture.Gold, seed: 4);
        var withLength = BestOfN.Run(policy, prompts, n, LongSampling, LengthProxy, SftPolicyFixture.Gold, seed: 4);
        output.WriteLine($"BoN over {prompts.Length} prompts × {n} samples, {watch.Elapsed.TotalSeconds:F1} s");
        output.WriteLine("n, KL, gold (proxy = gold), proxy = length, gold (proxy = length)");
        for (int i = 0; i < n; i++)
            output.WriteLine($"{i + 1}, {withGold.Curve[i].Kl:F3}, {withGold.Curve[i].GoldReward:F3}, {withLength.Curve[i].ProxyReward:F2}, {withLength.Curve[i].GoldReward:F3}");

        // With the gold reward as proxy, best-of-n can only get better as n grows.
        for (int i = 1; i < n; i++) Assert.True(withGold.Curve[i].GoldReward >= withGold.Curve[i - 1].GoldReward - 1e-9);
        Assert.True(withGold.Curve[^1].GoldReward > withGold.Curve[0].GoldReward + 0.3);
        Assert.Equal(withGold.Curve[^1].GoldReward, withGold.SelectedGold.Average(), 4);

        var report = OverOptimization.Detect(withLength.Curve.Select(p => new CurvePoint(p.Kl, p.ProxyReward, p.GoldReward)).ToArray(),
            minGoldDrop: 0.1, minProxyRise: 1);
        output.WriteLine(report.Explanation);
        Assert.True(report.OverOptimized, report.Explanation);
    }

    void AssertGoldRises(string name, CausalLm policy, CausalLm reference, IPolicyUpdate trainer, int steps)
    {
        var watch = Stopwatch.StartNew();
        var options = new EvaluationOptions { Generation = Sampling, Seed = 3 };
        var before = PolicyEvaluator.Evaluate(policy, reference, EvalPrompts, SftPolicyFixture.Gold, null, options);
        TrainingStepMetrics? last = null;
        for (int step = 0; step < steps; step++)
            last = RlStep.Run(policy, reference, trainer, SftPolicyFixture.Gold, SftPolicyFixture.Gold, Batch(step), SamplesPerPrompt, Sampling, seed: step);
        var after = PolicyEvaluator.Evaluate(policy, reference, EvalPrompts, SftPolicyFixture.Gold, null, options);
        var greedy = PolicyEvaluator.Evaluate(policy, reference, EvalPrompts, SftPolicyFixture.Gold, null, options with { Greedy = true });
        output.WriteLine($"{name}: SFT {fixture.SftSeconds:F1} s; {steps} steps + evaluation {watch.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(Describe("before", before));
        output.WriteLine(Describe("after", after));
        output.WriteLine(Describe("after", greedy));
        output.WriteLine("last step: " + string.Join(", ", last!.Values.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value:F3}")));
        Assert.True(after.GoldReward > before.GoldReward + GoldGainMargin,
            $"{name}: gold {before.GoldReward:F3} → {after.GoldReward:F3}, needs a gain above {GoldGainMargin}");
        Assert.True(after.WinRates.WinRate > 0.5, $"{name}: win rate {after.WinRates.WinRate:F3} against the SFT policy");
        Assert.True(after.KlToReference > 0, "the policy moved away from the reference");
    }

    static int[][] Batch(int step) => TrainPrompts.Skip(step * PromptsPerStep % TrainPrompts.Length).Take(PromptsPerStep).ToArray();

    static string Describe(string when, PolicyEvaluationResult e) =>
        $"{when} ({e.Mode}): gold {e.GoldReward:F3} (ref {e.ReferenceGoldReward:F3}), proxy {e.ProxyReward:F2}, length {e.Length.Mean:F2} " +
        $"[p10 {e.Length.P10:F0}, median {e.Length.Median:F0}, p90 {e.Length.P90:F0}] (ref {e.ReferenceLength.Mean:F2}), " +
        $"win {e.WinRates.WinRate:F3}, LC win {e.WinRates.LengthControlledWinRate:F3}, KL {e.KlToReference:F3}";
}
