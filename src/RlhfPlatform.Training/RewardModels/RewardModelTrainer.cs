using TorchSharp;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Objectives;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;
using RlhfPlatform.Modeling.Optimization;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>A named set of held-out pairs evaluated during training (metrics eval/{name}/...).</summary>
public sealed record PairEvalSet(string Name, IReadOnlyList<TokenizedPair> Pairs);

/// <summary>
/// Trains one reward model with any <see cref="IRewardObjective"/>: AdamW, warmup + schedule,
/// gradient clipping and accumulation, seeded order, periodic evaluation and early stopping.
/// Each <see cref="Step"/> is one optimizer step over GradientAccumulation micro-batches of
/// BatchSize pairs. <see cref="TrainerCheckpoint"/> saves and restores its whole state.
/// </summary>
public sealed class RewardModelTrainer : IStepwiseTrainer, IDisposable
{
    readonly RewardModel model;
    readonly IRewardObjective objective;
    readonly IReadOnlyList<TokenizedPair> pairs;
    readonly IReadOnlyList<PairEvalSet> evalSets;
    readonly RewardModelOptions options;
    readonly LearningRateSchedule schedule;
    readonly Parameter[] trainable;

    public RewardModelTrainer(RewardModel model, IRewardObjective objective, IReadOnlyList<TokenizedPair> pairs,
        RewardModelOptions options, int seed, IReadOnlyList<PairEvalSet>? evalSets = null)
    {
        options.Validate();
        if (pairs.Count == 0) throw new ArgumentException("no training pairs");
        if (objective.Traits.Margins && pairs.Any(p => p.Margin is null))
            throw new ArgumentException($"objective '{objective.Name}' needs a margin for every pair: the data has pairs without 'margin' (or give a constant margin)");
        this.model = model;
        this.objective = objective;
        this.pairs = pairs;
        this.options = options;
        this.evalSets = evalSets ?? [];
        Seed = seed;
        Order = new DataOrder(pairs.Count, seed);
        int pairsPerStep = options.BatchSize * options.GradientAccumulation;
        TotalSteps = options.MaxSteps ?? options.Epochs * ((pairs.Count + pairsPerStep - 1) / pairsPerStep);
        schedule = new LearningRateSchedule(options.Schedule, TotalSteps, options.WarmupRatio);
        if (options.EarlyStopMetric != null) EarlyStop = new EarlyStopping(options.EarlyStopMetric, options.EarlyStopPatience);

        if (objective.Traits.ReferenceLogProbs) Reference = FrozenCopy(model);
        if (!objective.Traits.TrainsBackbone)
            foreach (var (name, parameter) in model.named_parameters())
                if (!name.StartsWith("score.", StringComparison.Ordinal)) parameter.requires_grad = false;
        trainable = model.parameters().Where(p => p.requires_grad).ToArray();
        Optimizer = new AdamW(trainable, options.LearningRate, weightDecay: options.WeightDecay);
    }

    public RewardModel Model => model;
    public IRewardObjective Objective => objective;
    public int Seed { get; }
    public int TotalSteps { get; }
    public int StepsDone { get; internal set; }
    public bool IsDone => StepsDone >= TotalSteps || EarlyStop is { ShouldStop: true };
    public int Epoch => Order.Epoch;

    internal DataOrder Order { get; }
    internal AdamW Optimizer { get; }
    internal EarlyStopping? EarlyStop { get; }
    /// <summary>The frozen starting weights (GRM-DPO's π_ref); null for objectives that need none.</summary>
    internal RewardModel? Reference { get; }

    public TrainingStepMetrics Step()
    {
        if (StepsDone >= TotalSteps) throw new InvalidOperationException($"training is done ({TotalSteps} steps)");
        model.train();
        double lr = options.LearningRate * schedule.Factor(StepsDone);
        Optimizer.LearningRate = lr;
        Optimizer.ZeroGrad();

        var losses = new List<double>();
        var terms = new Dictionary<string, List<double>>();
        var chosenRewards = new List<float>();
        var rejectedRewards = new List<float>();
        using var accumulation = ((double)options.GradientAccumulation).ToScalar();
        for (int micro = 0; micro < options.GradientAccumulation; micro++)
        {
            using var scope = NewDisposeScope();
            var rows = Order.NextBatch(options.BatchSize).Select(i => pairs[i]).ToArray();
            var batch = Batch(rows);
            chosenRewards.AddRange(batch.Chosen.detach().cpu().data<float>().ToArray());
            rejectedRewards.AddRange(batch.Rejected.detach().cpu().data<float>().ToArray());
            var loss = objective.Compute(batch);
            loss.Total.div(accumulation).backward();
            losses.Add(loss.Total.item<float>());
            foreach (var (name, value) in loss.Terms)
            {
                if (!terms.TryGetValue(name, out var list)) terms[name] = list = [];
                list.Add(value.item<float>());
            }
        }
        double gradNorm = nn.utils.clip_grad_norm_(trainable, options.MaxGradNorm);
        Optimizer.Step();
        StepsDone++;

        var metrics = new Dictionary<string, double>
        {
            ["rm/loss"] = losses.Average(),
            ["rm/accuracy"] = chosenRewards.Zip(rejectedRewards).Count(x => x.First > x.Second) / (double)chosenRewards.Count,
            ["rm/reward_mean"] = Mean(chosenRewards.Concat(rejectedRewards)),
            ["rm/reward_std"] = Std(chosenRewards.Concat(rejectedRewards)),
            ["rm/lr"] = lr,
            ["rm/grad_norm"] = gradNorm,
            ["rm/epoch"] = Order.Epoch,
        };
        foreach (var (name, values) in terms) metrics[$"rm/loss_{name}"] = values.Average();

        if (options.EvalEvery > 0 && evalSets.Count > 0 && (StepsDone % options.EvalEvery == 0 || StepsDone == TotalSteps))
        {
            var evaluation = Evaluate();
            foreach (var (name, value) in evaluation) metrics[name] = value;
            EarlyStop?.Observe(evaluation);
        }
        return new TrainingStepMetrics(StepsDone, metrics);
    }

    /// <summary>eval/{set}/accuracy and eval/{set}/reward_mean of every eval set, dropout off.</summary>
    public IReadOnlyDictionary<string, double> Evaluate()
    {
        var metrics = new Dictionary<string, double>();
        foreach (var set in evalSets)
        {
            var chosen = RewardScoring.Score(model, set.Pairs.Select(p => p.Prompt).ToArray(), set.Pairs.Select(p => p.Chosen).ToArray());
            var rejected = RewardScoring.Score(model, set.Pairs.Select(p => p.Prompt).ToArray(), set.Pairs.Select(p => p.Rejected).ToArray());
            metrics[$"eval/{set.Name}/accuracy"] = chosen.Zip(rejected).Count(x => x.First > x.Second) / (double)set.Pairs.Count;
            metrics[$"eval/{set.Name}/reward_mean"] = Mean(chosen.Concat(rejected));
        }
        return metrics;
    }

    RewardBatch Batch(IReadOnlyList<TokenizedPair> rows)
    {
        var traits = objective.Traits;
        RewardBatch batch;
        if (traits.ChosenLogProbs || traits.RejectedLogProbs)
        {
            var pass = PairRewardsAndLogProbs.Compute(model, rows, traits.RejectedLogProbs);
            batch = new RewardBatch(pass.Chosen, pass.Rejected) { ChosenLogProbs = pass.ChosenLogProbs, RejectedLogProbs = pass.RejectedLogProbs };
        }
        else
        {
            var (chosen, rejected) = PairRewards.Compute(model, rows);
            batch = new RewardBatch(chosen, rejected);
        }
        if (traits.Margins)
            batch = batch with { Margins = tensor(rows.Select(r => (float)r.Margin!.Value).ToArray(), device: ModelPlacement.DeviceOf(model)) };
        if (traits.ReferenceLogProbs)
        {
            using var noGrad = no_grad();
            var (refChosen, refRejected) = PairLogProbs.Compute(Reference!, rows, traits.RejectedLogProbs);
            batch = batch with { ReferenceChosenLogProbs = refChosen, ReferenceRejectedLogProbs = refRejected };
        }
        return batch;
    }

    static RewardModel FrozenCopy(RewardModel model)
    {
        var copy = ModelPrecision.Cast(new RewardModel(model.Config), ModelPrecision.Of(model)).to(ModelPlacement.DeviceOf(model));
        var source = model.state_dict();
        using (no_grad())
            foreach (var (name, target) in copy.state_dict()) target.copy_(source[name]);
        foreach (var parameter in copy.parameters()) parameter.requires_grad = false;
        copy.eval();
        return copy;
    }

    static double Mean(IEnumerable<float> values) => values.Select(v => (double)v).DefaultIfEmpty(0).Average();

    /// <summary>Sample standard deviation (n - 1), as torch.std.</summary>
    static double Std(IEnumerable<float> values)
    {
        var list = values.Select(v => (double)v).ToArray();
        if (list.Length < 2) return 0;
        double mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Length - 1));
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Reference?.Dispose();
    }
}
