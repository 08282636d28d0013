using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>A bf16 policy (fp32 master weights, fp32 log-softmax and value head) makes the fp32 policy's update, within bf16's rounding.</summary>
public class MixedPrecisionUpdateTests
{
    [Theory]
    [InlineData("rloo", CriticKind.SharedBackbone)]
    [InlineData("ppo", CriticKind.SharedBackbone)]
    [InlineData("ppo", CriticKind.Separate)]
    public void ABf16UpdateTracksTheFp32Update(string algorithm, CriticKind critic)
    {
        using var reference = TinyPolicy.Create(1);
        using var fp32 = TinyPolicy.Create(1);
        using var bf16 = ModelPrecision.Cast(TinyPolicy.Create(1), ScalarType.BFloat16);
        var rollouts = RolloutMaker.Make(fp32, reference, TinyPolicy.Prompts(4), 2, new GenerationOptions { MaxNewTokens = 6 }, seed: 21);
        var rewards = rollouts.Responses.Select(r => (float)(r.Sum() % 7)).ToArray();
        var fp32Metrics = Update(algorithm, critic, fp32, reference, rollouts, rewards);
        var bf16Metrics = Update(algorithm, critic, bf16, reference, rollouts, rewards);

        Assert.All(bf16.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        // Stated tolerance: the losses within 2% (or 0.02 absolute), the weights within bf16 rounding of the fp32 update's.
        foreach (string name in new[] { "rl/loss", "rl/entropy", "rl/grad_norm" })
            Assert.True(Math.Abs(fp32Metrics[name] - bf16Metrics[name]) <= Math.Max(0.02, 0.02 * Math.Abs(fp32Metrics[name])),
                $"{name}: fp32 {fp32Metrics[name]}, bf16 {bf16Metrics[name]}");
        foreach (var ((name, a), (_, b)) in fp32.named_parameters().Zip(bf16.named_parameters()))
        {
            double relative = (a - b.to_type(ScalarType.Float32)).norm().item<float>() / a.norm().item<float>();
            Assert.True(relative < 0.01, $"{name}: relative distance {relative:F4} after one update");
        }
    }

    static IReadOnlyDictionary<string, double> Update(string algorithm, CriticKind critic, CausalLm policy, CausalLm reference, Rollouts rollouts, float[] rewards)
    {
        manual_seed(5);
        if (algorithm == "rloo")
        {
            using var rloo = new RlooTrainer(policy, new RlooOptions { LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Seed = 3 });
            return rloo.Update(rollouts, rewards).Values;
        }
        using var ppo = new PpoTrainer(policy, reference, new PpoOptions { LearningRate = 1e-3, Epochs = 2, MiniBatches = 2, Critic = critic, Seed = 3 });
        return ppo.Update(rollouts, rewards).Values;
    }
}
