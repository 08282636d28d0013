using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Tests;

public class RlLearningRateTests
{
    [Fact]
    public void LinearDecayWithThreePercentWarmupMatchesHandComputedFactors()
    {
        // 100 steps, 3% warmup: W = ceil(3) = 3 steps of s/3, then (100 - s) / 97.
        var schedule = new RlLearningRateSchedule { Kind = "linear", WarmupRatio = 0.03, TotalSteps = 100 }.Create();
        Assert.Equal(3, schedule.WarmupSteps);
        Assert.Equal(0.0, schedule.Factor(0), 12);
        Assert.Equal(1 / 3.0, schedule.Factor(1), 12);
        Assert.Equal(2 / 3.0, schedule.Factor(2), 12);
        Assert.Equal(1.0, schedule.Factor(3), 12);
        Assert.Equal(50 / 97.0, schedule.Factor(50), 12);
        Assert.Equal(1 / 97.0, schedule.Factor(99), 12);

        var constant = new RlLearningRateSchedule().Create();
        Assert.Equal(1.0, constant.Factor(0));
        Assert.Equal(1.0, constant.Factor(1000));
    }

    [Fact]
    public void ASchedulingRunNeedsItsLength()
    {
        var error = Assert.Throws<ArgumentException>(() => new RlLearningRateSchedule { Kind = "linear" }.Create());
        Assert.Contains("total RL steps", error.Message);
        Assert.Throws<ArgumentException>(() => new RlLearningRateSchedule { Kind = "step" , TotalSteps = 10 }.Create());
    }

    [Fact]
    public void RlooAndPpoRecordTheScheduledRateOfEachStepFromTheRunsFirstStep()
    {
        // Linear over 10 steps, 20% warmup (W = 2), peak 1e-3, resumed at step 1:
        // step 1 → 1/2 · 1e-3;  step 2 → 1e-3 · (10 - 2)/(10 - 2) = 1e-3;  step 3 → 1e-3 · 7/8.
        var schedule = new RlLearningRateSchedule { Kind = "linear", WarmupRatio = 0.2, TotalSteps = 10, FirstStep = 1 };
        double[] expected = [0.5e-3, 1e-3, 0.875e-3];
        var generation = new GenerationOptions { MaxNewTokens = 4 };
        using var policy = TinyPolicy.Create(3);
        using var reference = TinyPolicy.Create(3);
        using var rloo = new RlooTrainer(policy, new RlooOptions { LearningRate = 1e-3, LrSchedule = schedule });
        using var ppo = new PpoTrainer(policy, reference, new PpoOptions { LearningRate = 1e-3, LrSchedule = schedule });
        foreach (var (learner, name) in new (IPolicyUpdate, string)[] { (rloo, "RLOO"), (ppo, "PPO") })
        {
            for (int step = 0; step < expected.Length; step++)
            {
                var rollouts = RolloutMaker.Make(policy, reference, TinyPolicy.Prompts(2), 2, generation, seed: step);
                var metrics = learner.Update(rollouts, new float[rollouts.Count]);
                Assert.True(Math.Abs(expected[step] - metrics.Values["rl/lr"]) < 1e-15, $"{name} step {step}: lr {metrics.Values["rl/lr"]}, expected {expected[step]}");
            }
        }
    }
}
