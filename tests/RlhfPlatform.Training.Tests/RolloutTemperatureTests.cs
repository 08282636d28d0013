using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>Rollouts carry their sampling temperature; learners refuse another, and greedy rollouts are scored at it too.</summary>
public class RolloutTemperatureTests
{
    static readonly GenerationOptions Sampling = new() { MaxNewTokens = 6, Temperature = 0.7 };

    [Fact]
    public void RlooAndPpoRefuseRolloutsSampledAtAnotherTemperature()
    {
        using var policy = TinyPolicy.Create(1);
        using var reference = TinyPolicy.Create(1);
        var rollouts = RolloutMaker.Make(policy, reference, TinyPolicy.Prompts(2), 2, Sampling, seed: 4);
        Assert.Equal(0.7, rollouts.Temperature);
        var rewards = new float[rollouts.Count];

        using var rloo = new RlooTrainer(policy, new RlooOptions { Temperature = 1.0 });
        var rlooError = Assert.Throws<ArgumentException>(() => rloo.Update(rollouts, rewards));
        Assert.Contains("temperature 0.7", rlooError.Message);
        Assert.Contains("temperature 1", rlooError.Message);

        using var ppo = new PpoTrainer(policy, reference, new PpoOptions { Temperature = 1.3 });
        var ppoError = Assert.Throws<ArgumentException>(() => ppo.Update(rollouts, rewards));
        Assert.Contains("temperature 0.7", ppoError.Message);
        Assert.Contains("temperature 1.3", ppoError.Message);

        using var matching = new RlooTrainer(policy, new RlooOptions { Temperature = 0.7 });
        Assert.Equal(1, matching.Update(rollouts, rewards).Step);
    }

    [Fact]
    public void GreedyRolloutLogProbsAreAtTheTemperatureOfTheReferenceLogProbs()
    {
        using var policy = TinyPolicy.Create(2);
        var prompts = TinyPolicy.Prompts(3);
        var greedy = Sampling with { Greedy = true };
        // The policy as its own reference: the rollout's log π_old and log π_ref must then agree token for token.
        var rollouts = RolloutMaker.Make(policy, policy, prompts, 1, greedy, seed: 5);
        Assert.Equal(0.7, rollouts.Temperature);
        using var batch = SequenceBatch.Build(rollouts.Prompts, rollouts.Responses, policy.Config.PadTokenId);
        float[] atRolloutTemperature, atOne;
        using (inference_mode())
        {
            atRolloutTemperature = ResponseLogProbs.Sum(policy, batch, 0.7).data<float>().ToArray();
            atOne = ResponseLogProbs.Sum(policy, batch, 1.0).data<float>().ToArray();
        }
        for (int i = 0; i < rollouts.Count; i++)
        {
            Assert.Equal(atRolloutTemperature[i], rollouts.LogProbs[i], 4);
            Assert.Equal(rollouts.RefLogProbs[i], rollouts.LogProbs[i], 4);
            Assert.True(Math.Abs(atOne[i] - rollouts.LogProbs[i]) > 1e-3, $"row {i}: temperature 1 gives the same log-prob, so the test cannot tell");
        }
    }
}
