using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Objectives;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.RewardModels;

public sealed record RewardModelOptions(int Epochs, int BatchSize, double LearningRate, double MaxGradNorm = 1.0);

/// <summary>Trains a reward model on preference pairs with the Bradley-Terry loss, one AdamW step per call.</summary>
public sealed class RewardModelTrainer : IStepwiseTrainer, IDisposable
{
    readonly RewardModel model;
    readonly IReadOnlyList<TokenizedPair> pairs;
    readonly RewardModelOptions options;
    readonly DataOrder order;
    readonly optim.Optimizer optimizer;

    public RewardModelTrainer(RewardModel model, IReadOnlyList<TokenizedPair> pairs, RewardModelOptions options, int seed)
    {
        this.model = model;
        this.pairs = pairs;
        this.options = options;
        order = new DataOrder(pairs.Count, seed);
        optimizer = optim.AdamW(model.parameters(), lr: options.LearningRate, weight_decay: 0.0);
        TotalSteps = options.Epochs * ((pairs.Count + options.BatchSize - 1) / options.BatchSize);
    }

    public int TotalSteps { get; }
    public int StepsDone { get; private set; }
    public bool IsDone => StepsDone >= TotalSteps;

    public TrainingStepMetrics Step()
    {
        using var scope = NewDisposeScope();
        model.train();
        var batchPairs = order.NextBatch(options.BatchSize).Select(i => pairs[i]).ToArray();
        var (chosen, rejected) = PairRewards.Compute(model, batchPairs);
        var loss = BradleyTerry.Loss(chosen, rejected);
        optimizer.zero_grad();
        loss.backward();
        double gradNorm = nn.utils.clip_grad_norm_(model.parameters(), options.MaxGradNorm);
        optimizer.step();
        StepsDone++;
        var all = cat([chosen, rejected]).detach();
        return new TrainingStepMetrics(StepsDone, new Dictionary<string, double>
        {
            ["rm/loss"] = loss.item<float>(),
            ["rm/accuracy"] = chosen.gt(rejected).to_type(ScalarType.Float32).mean().item<float>(),
            ["rm/reward_mean"] = all.mean().item<float>(),
            ["rm/reward_std"] = all.std().item<float>(),
            ["rm/grad_norm"] = gradNorm,
        });
    }

    public void Dispose() => optimizer.Dispose();
}

/// <summary>Rewards of the chosen and rejected responses of pairs, in one forward of 2B rows.</summary>
public static class PairRewards
{
    public static (Tensor Chosen, Tensor Rejected) Compute(RewardModel model, IReadOnlyList<TokenizedPair> pairs)
    {
        using var scope = NewDisposeScope();
        int n = pairs.Count;
        var prompts = pairs.Select(p => p.Prompt).Concat(pairs.Select(p => p.Prompt)).ToArray();
        var responses = pairs.Select(p => p.Chosen).Concat(pairs.Select(p => p.Rejected)).ToArray();
        using var batch = SequenceBatch.Build(prompts, responses, model.Config.PadTokenId);
        var rewards = model.Rewards(batch.InputIds, batch.AttentionMask).Rewards;
        return (rewards.narrow(0, 0, n).MoveToOuterDisposeScope(), rewards.narrow(0, n, n).MoveToOuterDisposeScope());
    }
}
