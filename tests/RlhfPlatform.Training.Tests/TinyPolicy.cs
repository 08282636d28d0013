using RlhfPlatform.Modeling;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>An untrained tiny policy (seeded) and prompts of the length task, for tests of the RL plumbing rather than of learning.</summary>
public static class TinyPolicy
{
    public static CausalLm Create(int seed)
    {
        manual_seed(seed);
        return new CausalLm(TinyRewardSetup.Config("none"));
    }

    public static int[][] Prompts(int count) => SftPolicyFixture.Prompts(count, seed: 3, "train");
}
