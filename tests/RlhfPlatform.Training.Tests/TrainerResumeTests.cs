using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Training.Tests;

/// <summary>A trainer restored from its own checkpoint continues exactly as the uninterrupted run (same seed).</summary>
public class TrainerResumeTests : IDisposable
{
    readonly string folder = Path.Combine(Path.GetTempPath(), "rm-resume-" + Guid.NewGuid().ToString("N"));

    // grm-dpo with the mlp head exercises everything a checkpoint must carry: weights, AdamW moments,
    // the frozen reference, the data position mid-epoch, and the RNG of the head's dropout.
    [Theory]
    [InlineData("grm-dpo")]
    [InlineData("bsr")]
    public void ResumedTrainingReproducesTheUninterruptedMetrics(string method)
    {
        var options = new RewardModelOptions { MaxSteps = 12, BatchSize = 16, GradientAccumulation = 2, LearningRate = 2e-3, WarmupRatio = 0.2, Schedule = "cosine" };
        var pairs = TinyRewardSetup.TrainPairs(150);
        var setup = TinyRewardSetup.Setup(method, options, head: "mlp");

        var uninterrupted = new List<IReadOnlyDictionary<string, double>>();
        using (var model = setup.CreateModel(setup.HeadKind, setup.Seed))
        using (var trainer = new RewardModelTrainer(model, setup.Objective, pairs, options, setup.Seed))
            while (!trainer.IsDone) uninterrupted.Add(trainer.Step().Values);

        var resumed = new List<IReadOnlyDictionary<string, double>>();
        using (var model = setup.CreateModel(setup.HeadKind, setup.Seed))
        using (var trainer = new RewardModelTrainer(model, setup.Objective, pairs, options, setup.Seed))
        {
            for (int i = 0; i < 7; i++) resumed.Add(trainer.Step().Values);
            TrainerCheckpoint.Save(trainer, folder);
        }
        using (var model = setup.CreateModel(setup.HeadKind, setup.Seed))
        using (var trainer = new RewardModelTrainer(model, setup.Objective, pairs, options, setup.Seed))
        {
            TorchSharp.torch.manual_seed(999); // the restored RNG state must win over whatever came before
            TrainerCheckpoint.Restore(trainer, folder);
            Assert.Equal(7, trainer.StepsDone);
            while (!trainer.IsDone) resumed.Add(trainer.Step().Values);
        }

        Assert.Equal(uninterrupted.Count, resumed.Count);
        for (int step = 0; step < uninterrupted.Count; step++)
            foreach (var (name, value) in uninterrupted[step])
                Assert.True(value.Equals(resumed[step][name]), $"step {step + 1} {name}: uninterrupted {value:R}, resumed {resumed[step][name]:R}");
    }

    [Fact]
    public void RefusesTheCheckpointOfAnotherTraining()
    {
        var pairs = TinyRewardSetup.TrainPairs(50);
        var options = new RewardModelOptions { MaxSteps = 2, BatchSize = 8 };
        var bt = TinyRewardSetup.Setup("bt", options);
        using (var model = bt.CreateModel(bt.HeadKind, 1))
        using (var trainer = new RewardModelTrainer(model, bt.Objective, pairs, options, 1))
        {
            trainer.Step();
            TrainerCheckpoint.Save(trainer, folder);
        }
        var bsr = TinyRewardSetup.Setup("bsr", options);
        using var other = bsr.CreateModel(bsr.HeadKind, 1);
        using var otherTrainer = new RewardModelTrainer(other, bsr.Objective, pairs, options, 1);
        var error = Assert.Throws<InvalidDataException>(() => TrainerCheckpoint.Restore(otherTrainer, folder));
        Assert.Contains("another training", error.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
