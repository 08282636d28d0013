using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>
/// A PPO trainer rebuilt after an interruption from the committed policy weights and its saved state
/// (AdamW, critic, KL controller, reward normalizer) continues exactly as the uninterrupted trainer.
/// </summary>
public class PpoResumeTests : IDisposable
{
    const int Steps = 4, InterruptAfter = 2;
    readonly string folder = Path.Combine(Path.GetTempPath(), "ppo-resume-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(CriticKind.SharedBackbone)]
    [InlineData(CriticKind.Separate)]
    public void ResumedPpoReproducesTheUninterruptedMetrics(CriticKind critic)
    {
        using var reference = TinyPolicy.Create(1);
        var uninterrupted = new List<IReadOnlyDictionary<string, double>>();
        using (var policy = TinyPolicy.Create(1))
        using (var trainer = Trainer(policy, reference, critic, firstStep: 0))
            for (int step = 0; step < Steps; step++) uninterrupted.Add(Step(trainer, policy, reference, step));

        var resumed = new List<IReadOnlyDictionary<string, double>>();
        using var committed = TinyPolicy.Create(1);
        using (var policy = TinyPolicy.Create(1))
        using (var trainer = Trainer(policy, reference, critic, firstStep: 0))
        {
            for (int step = 0; step < InterruptAfter; step++) resumed.Add(Step(trainer, policy, reference, step));
            trainer.SaveState(folder);
            committed.load_state_dict(policy.state_dict());
        }
        using (var policy = TinyPolicy.Create(7)) // other weights and another init of the critic: the saved state must win
        {
            policy.load_state_dict(committed.state_dict());
            manual_seed(999);
            using var trainer = Trainer(policy, reference, critic, firstStep: InterruptAfter);
            trainer.LoadState(folder);
            for (int step = InterruptAfter; step < Steps; step++) resumed.Add(Step(trainer, policy, reference, step));
        }

        Assert.Equal(uninterrupted.Count, resumed.Count);
        for (int step = 0; step < Steps; step++)
            foreach (var (name, value) in uninterrupted[step])
                Assert.True(value.Equals(resumed[step][name]), $"step {step + 1} {name}: uninterrupted {value:R}, resumed {resumed[step][name]:R}");
        // The adaptive controller and the running normalizer really moved, so the check covers them.
        Assert.NotEqual(uninterrupted[0]["rl/kl_coef"], uninterrupted[^1]["rl/kl_coef"]);
    }

    [Fact]
    public void RefusesTheStateOfAnotherCritic()
    {
        using var reference = TinyPolicy.Create(1);
        using var policy = TinyPolicy.Create(1);
        using (var shared = Trainer(policy, reference, CriticKind.SharedBackbone, 0)) shared.SaveState(folder);
        using var separate = Trainer(policy, reference, CriticKind.Separate, 0);
        Assert.Throws<InvalidDataException>(() => separate.LoadState(folder));
    }

    static PpoTrainer Trainer(CausalLm policy, CausalLm reference, CriticKind critic, int firstStep)
    {
        manual_seed(5);
        return new PpoTrainer(policy, reference, new PpoOptions
        {
            LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Critic = critic, KlCoef = 0.1, KlTarget = 0.01, KlHorizon = 50,
            RewardNormalization = RewardNormalization.Running, Seed = 11,
            LrSchedule = new RlLearningRateSchedule { Kind = "linear", TotalSteps = Steps, FirstStep = firstStep },
        });
    }

    static IReadOnlyDictionary<string, double> Step(PpoTrainer trainer, CausalLm policy, CausalLm reference, int step)
    {
        var rollouts = RolloutMaker.Make(policy, reference, TinyPolicy.Prompts(4), 2, new GenerationOptions { MaxNewTokens = 6 }, seed: 100 + step);
        var rewards = rollouts.Responses.Select(r => (float)r.Length).ToArray();
        manual_seed(1000 + step);
        return trainer.Update(rollouts, rewards).Values;
    }

    public void Dispose()
    {
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
    }
}
