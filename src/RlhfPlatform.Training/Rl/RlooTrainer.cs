using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

public sealed record RlooOptions(double KlCoef, double LearningRate, double ClipRange, double Temperature, int Epochs = 1, double MaxGradNorm = 1.0);

/// <summary>Learns from scored rollouts: the RLOO update of <see cref="Rloo"/> with AdamW.</summary>
public sealed class RlooTrainer : IDisposable
{
    readonly CausalLm policy;
    readonly RlooOptions options;
    readonly optim.Optimizer optimizer;

    public RlooTrainer(CausalLm policy, RlooOptions options)
    {
        this.policy = policy;
        this.options = options;
        optimizer = optim.AdamW(policy.parameters(), lr: options.LearningRate, weight_decay: 0.0);
    }

    public int StepsDone { get; private set; }

    public TrainingStepMetrics Update(Rollouts rollouts, float[] rewards)
    {
        rollouts.Validate();
        if (rewards.Length != rollouts.Count) throw new ArgumentException($"{rewards.Length} rewards for {rollouts.Count} samples");
        using var scope = NewDisposeScope();
        var reward = tensor(rewards);
        var oldLogProbs = tensor(rollouts.LogProbs);
        var refLogProbs = tensor(rollouts.RefLogProbs);
        var sequenceRewards = Rloo.SequenceRewards(reward, oldLogProbs, refLogProbs, options.KlCoef);
        var advantages = Rloo.Advantages(sequenceRewards, rollouts.SamplesPerPrompt);

        using var batch = SequenceBatch.Build(rollouts.Prompts, rollouts.Responses, policy.Config.PadTokenId);
        double lastLoss = 0, clipFraction = 0, gradNorm = 0;
        policy.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            using var epochScope = NewDisposeScope();
            var logProbs = ResponseLogProbs.Sum(policy, batch, options.Temperature);
            var (loss, clipped) = Rloo.PolicyLoss(logProbs, oldLogProbs, advantages, options.ClipRange);
            optimizer.zero_grad();
            loss.backward();
            gradNorm = nn.utils.clip_grad_norm_(policy.parameters(), options.MaxGradNorm);
            optimizer.step();
            lastLoss = loss.item<float>();
            clipFraction = clipped.item<float>();
        }
        StepsDone++;
        var kl = (oldLogProbs - refLogProbs).mean().item<float>();
        return new TrainingStepMetrics(StepsDone, new Dictionary<string, double>
        {
            ["rl/loss"] = lastLoss,
            ["rl/proxy_reward"] = reward.mean().item<float>(),
            ["rl/kl"] = kl,
            ["rl/sequence_reward"] = sequenceRewards.mean().item<float>(),
            ["rl/clip_fraction"] = clipFraction,
            ["rl/grad_norm"] = gradNorm,
            ["rl/response_tokens"] = rollouts.Responses.Average(r => r.Length),
        });
    }

    public void Dispose() => optimizer.Dispose();
}
