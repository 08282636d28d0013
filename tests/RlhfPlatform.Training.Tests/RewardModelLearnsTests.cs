using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Objectives;
using RlhfPlatform.Training.RewardModels;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>Every objective learns the synthetic task's gold preference (longer up to L, and in-set letters).</summary>
public class RewardModelLearnsTests
{
    public static TheoryData<string, double> MethodsAndFloors() => new()
    {
        { "bt", 0.75 }, { "margin", 0.75 }, { "label-smoothing", 0.75 }, { "ensemble", 0.75 }, { "bsr", 0.75 },
        { "center", 0.75 }, { "grm-sft", 0.75 }, { "grm-dpo", 0.75 }, { "grm-dpo-noref", 0.75 },
        // A random frozen backbone still carries length and letter information to the head, but less of it.
        { "frozen", 0.6 },
    };

    [Theory]
    [MemberData(nameof(MethodsAndFloors))]
    public void LearnsTheGoldPreferenceWellAboveChance(string method, double floor)
    {
        using var model = RewardModelTraining.Train(TinyRewardSetup.Setup(method), TinyRewardSetup.Tokenizer, TinyRewardSetup.TrainPairs(), []);
        var heldOut = TinyRewardSetup.HeldOutPairs();
        var chosen = model.Score(heldOut.Select(p => p.Prompt).ToArray(), heldOut.Select(p => p.Chosen).ToArray());
        var rejected = model.Score(heldOut.Select(p => p.Prompt).ToArray(), heldOut.Select(p => p.Rejected).ToArray());
        double accuracy = chosen.Zip(rejected).Count(x => x.First > x.Second) / (double)heldOut.Count;
        Assert.True(accuracy > floor, $"{method}: held-out accuracy {accuracy:F3} (floor {floor})");
    }

    [Fact]
    public void FrozenTrainsOnlyTheHead()
    {
        var setup = TinyRewardSetup.Setup("frozen", new RewardModelOptions { MaxSteps = 5, BatchSize = 16, LearningRate = 1e-2 });
        using var model = setup.CreateModel(setup.HeadKind, setup.Seed);
        Assert.Equal("mlp", model.Config.RewardHead);
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.data<float>().ToArray());
        using (var trainer = new RewardModelTrainer(model, setup.Objective, TinyRewardSetup.TrainPairs(200), setup.Options, setup.Seed))
            while (!trainer.IsDone) trainer.Step();
        foreach (var (name, tensor) in model.state_dict())
        {
            bool same = before[name].SequenceEqual(tensor.data<float>().ToArray());
            if (name.StartsWith("score.", StringComparison.Ordinal)) Assert.False(same, $"head tensor {name} did not change");
            else Assert.True(same, $"backbone tensor {name} changed");
        }
    }

    [Fact]
    public void EnsembleMembersDifferBySeedAndCombineByMeanOrMin()
    {
        var options = new RewardModelOptions { MaxSteps = 10, BatchSize = 16 };
        var setup = TinyRewardSetup.Setup("ensemble", options) with
        {
            Objective = RewardObjectives.Create(new RewardObjectiveOptions { Method = "ensemble", EnsembleMembers = 3, EnsembleAggregate = "min" }),
        };
        using var ensemble = RewardModelTraining.Train(setup, TinyRewardSetup.Tokenizer, TinyRewardSetup.TrainPairs(200), []);
        Assert.Equal(3, ensemble.Members.Count);
        Assert.Equal("min", ensemble.Aggregate);
        var heldOut = TinyRewardSetup.HeldOutPairs(20);
        var prompts = heldOut.Select(p => p.Prompt).ToArray();
        var responses = heldOut.Select(p => p.Chosen).ToArray();
        var memberScores = ensemble.Members.Select(m => RewardScoring.Score(m, prompts, responses)).ToArray();
        Assert.NotEqual(memberScores[0], memberScores[1]);
        Assert.NotEqual(memberScores[1], memberScores[2]);
        Assert.Equal(3, new[] { 0, 1, 2 }.Select(k => RewardModelTraining.MemberSeed(1, k)).Distinct().Count());
        var combined = ensemble.Score(prompts, responses);
        for (int i = 0; i < combined.Length; i++) Assert.Equal(memberScores.Min(s => s[i]), combined[i]);
    }

    [Fact]
    public void TrainsOnPairsWithTwentyFivePercentLabelNoiseAndReportsIt()
    {
        var clean = TinyRewardSetup.Task.PreferencePairs(400, 0.0, seed: 1).Pairs;
        var (noisy, flipped) = LabelNoise.Apply(clean, 0.25, seed: 5);
        Assert.Equal(100, flipped);
        Assert.Equal(100, clean.Zip(noisy).Count(p => p.First.Chosen != p.Second.Chosen));
        var report = new DataLoadReport { LabelsFlipped = flipped };
        Assert.Contains("100 labels flipped", report.Summary());

        var setup = TinyRewardSetup.Setup("bt", new RewardModelOptions { Epochs = 2, BatchSize = 32, LearningRate = 2e-3 });
        using var model = setup.CreateModel(setup.HeadKind, setup.Seed);
        using var trainer = new RewardModelTrainer(model, setup.Objective, TinyRewardSetup.Encode(noisy), setup.Options, setup.Seed);
        var steps = new List<TrainingStepMetrics>();
        while (!trainer.IsDone) steps.Add(trainer.Step());
        Assert.Equal(26, steps.Count);
        Assert.All(steps, s => Assert.True(double.IsFinite(s.Values["rm/loss"])));
        double accuracy = RewardScoring.Accuracy(model, TinyRewardSetup.HeldOutPairs());
        Assert.True(accuracy > 0.6, $"accuracy with 25% flipped labels {accuracy:F3}");
    }

    [Fact]
    public void StepMetricsNameEveryLossTermAndTheScheduleWarmsUp()
    {
        var options = new RewardModelOptions { MaxSteps = 10, BatchSize = 8, GradientAccumulation = 2, LearningRate = 1e-3, WarmupRatio = 0.2, Schedule = "linear" };
        var setup = TinyRewardSetup.Setup("bsr", options);
        using var model = setup.CreateModel(setup.HeadKind, setup.Seed);
        using var trainer = new RewardModelTrainer(model, setup.Objective, TinyRewardSetup.TrainPairs(100), options, setup.Seed);
        var steps = new List<TrainingStepMetrics>();
        while (!trainer.IsDone) steps.Add(trainer.Step());
        var first = steps[0].Values;
        foreach (string key in new[] { "rm/loss", "rm/loss_bt", "rm/loss_bsr", "rm/accuracy", "rm/reward_mean", "rm/reward_std", "rm/lr", "rm/grad_norm" })
            Assert.True(first.ContainsKey(key), $"missing metric {key}");
        // 2 warmup steps of 10: lr 0, 0.5e-3, then linear decay from 1e-3 over the remaining 8.
        Assert.Equal([0, 0.5e-3, 1e-3, 0.875e-3], steps.Take(4).Select(s => Math.Round(s.Values["rm/lr"], 12)).ToArray());
        Assert.Equal(0.125e-3, steps[^1].Values["rm/lr"], 12);
    }

    [Fact]
    public void EarlyStoppingEndsTrainingWhenTheMetricStopsImproving()
    {
        var options = new RewardModelOptions
        {
            MaxSteps = 200, BatchSize = 16, LearningRate = 1e-9, Schedule = "constant", WarmupRatio = 0,
            EvalEvery = 2, EarlyStopMetric = "eval/id/accuracy", EarlyStopPatience = 2,
        };
        var setup = TinyRewardSetup.Setup("bt", options);
        using var model = setup.CreateModel(setup.HeadKind, setup.Seed);
        using var trainer = new RewardModelTrainer(model, setup.Objective, TinyRewardSetup.TrainPairs(100), options, setup.Seed,
            [new PairEvalSet("id", TinyRewardSetup.HeldOutPairs(50))]);
        while (!trainer.IsDone) trainer.Step();
        // With a learning rate of 1e-9 accuracy never improves after the first evaluation: stop after 1 + 2 evaluations.
        Assert.Equal(6, trainer.StepsDone);
    }
}
