using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Tests;

public class MissingEosPenaltyTests
{
    [Fact]
    public void ShapingSubtractsThePenaltyFromResponsesCutOffWithoutEos()
    {
        int[][] responses = [[1, 2, 0], [1, 2, 3], [4]];
        // clip(2.5) = 2 - 0.1·3 = 1.7 (ended);  clip(-3) = -2 - 0.1·3 - 1 = -3.3;  0.5 - 0.1·1 - 1 = -0.6
        var shaped = new RewardShaping(Clip: 2, LengthPenalty: 0.1, MissingEosPenalty: 1).Apply([2.5f, -3f, 0.5f], responses, [true, false, false]);
        Assert.Equal(1.7f, shaped[0], 5);
        Assert.Equal(-3.3f, shaped[1], 5);
        Assert.Equal(-0.6f, shaped[2], 5);
        Assert.Throws<ArgumentException>(() => new RewardShaping(MissingEosPenalty: -1).Apply([0f], [[1]], [false]));
    }

    [Fact]
    public void RolloutsFlagTheResponsesThatEndedWithEosAndRlooPenalisesTheOthers()
    {
        using var policy = TinyPolicy.Create(4);
        using var reference = TinyPolicy.Create(4);
        // Half the vocabulary stops a row: within 3 tokens most rows stop, some are cut off.
        int vocab = policy.Config.VocabSize;
        var generation = new GenerationOptions { MaxNewTokens = 3, StopTokens = Enumerable.Range(0, vocab / 2).ToArray() };
        var stop = generation.StopTokens.Append(policy.Config.EosTokenId).ToHashSet();
        var rollouts = RolloutMaker.Make(policy, reference, TinyPolicy.Prompts(8), 4, generation, seed: 7);
        Assert.Contains(true, rollouts.EndedWithEos);
        Assert.Contains(false, rollouts.EndedWithEos);
        for (int i = 0; i < rollouts.Count; i++)
        {
            var response = rollouts.Responses[i];
            if (rollouts.EndedWithEos[i]) Assert.Contains(response[^1], stop);
            else
            {
                Assert.Equal(3, response.Length);
                Assert.DoesNotContain(response[^1], stop);
            }
        }

        using var learner = new RlooTrainer(policy, new RlooOptions { Shaping = new RewardShaping(MissingEosPenalty: 2) });
        var metrics = learner.Update(rollouts, Enumerable.Repeat(1f, rollouts.Count).ToArray());
        double cutOff = rollouts.EndedWithEos.Count(e => !e) / (double)rollouts.Count;
        Assert.Equal(1 - 2 * cutOff, metrics.Values["rl/shaped_reward"], 5);
        Assert.Equal(1 - cutOff, metrics.Values["rl/ended_with_eos"], 12);
    }
}
