using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// One step of the RL loop in process: make experience (k samples per prompt), score it with the
/// proxy, learn from it; the gold reward of the same samples is added to the metrics when a gold
/// source exists (it never reaches the learner).
/// </summary>
public static class RlStep
{
    public static TrainingStepMetrics Run(CausalLm policy, ILanguageModel reference, IPolicyUpdate learner, IRewardSource proxy,
        IRewardSource? gold, IReadOnlyList<int[]> prompts, int samplesPerPrompt, GenerationOptions generation, long seed)
    {
        var rollouts = RolloutMaker.Make(policy, reference, prompts, samplesPerPrompt, generation, seed);
        var rewards = proxy.Score(rollouts.Prompts, rollouts.Responses);
        var metrics = learner.Update(rollouts, rewards);
        if (gold is null) return metrics;
        var values = new Dictionary<string, double>(metrics.Values)
        {
            ["rl/gold_reward"] = gold.Score(rollouts.Prompts, rollouts.Responses).Average(),
        };
        return metrics with { Values = values };
    }
}
