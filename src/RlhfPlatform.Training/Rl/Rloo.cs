using TorchSharp;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;
using RlhfPlatform.Modeling.Optimization;

namespace RlhfPlatform.Training.Rl;

/// <summary>Every RLOO hyperparameter (METHODS.md defaults: β_KL = 0.05, clip 0.2, raw RM score).</summary>
public sealed record RlooOptions
{
    /// <summary>β_KL of the KL penalty folded into the sequence reward.</summary>
    public double KlCoef { get; init; } = 0.05;
    /// <summary>Peak learning rate; <see cref="LrSchedule"/> scales it per update.</summary>
    public double LearningRate { get; init; } = 1e-6;
    public RlLearningRateSchedule LrSchedule { get; init; } = new();
    /// <summary>ε of the clipped sequence-level ratio.</summary>
    public double ClipRange { get; init; } = 0.2;
    /// <summary>Sampling temperature; log-probs are taken at the same temperature, and rollouts at another are refused.</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>Optimisation passes over each batch of rollouts.</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Minibatches per pass (one optimizer step each); samples are reshuffled every pass.</summary>
    public int MiniBatches { get; init; } = 1;
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Padded tokens (rows × longest row) per forward and backward within a minibatch; null: the whole minibatch at once.</summary>
    public long? MicroBatchTokens { get; init; }
    /// <summary>Reward clipping, length and missing-EOS penalties applied to the raw score before the KL term.</summary>
    public RewardShaping Shaping { get; init; } = new();
    public long Seed { get; init; }
}

/// <summary>
/// REINFORCE Leave-One-Out (METHODS.md). With k samples per prompt:
///   R_i = r(x, y_i) - β_KL · (log π_old(y_i) - log π_ref(y_i))      (KL folded into the sequence reward)
///   A_i = R_i - mean_{j≠i} R_j                                      (leave-one-out baseline)
///   ρ_i = exp(log π_θ(y_i) - log π_old(y_i))                        (sequence-level ratio)
///   L   = mean_i -min(ρ_i A_i, clip(ρ_i, 1-ε, 1+ε) A_i)
/// r is the shaped proxy score (<see cref="RewardShaping"/>).
/// </summary>
public static class Rloo
{
    /// <summary>R_i for rewards and log-prob sums [N].</summary>
    public static Tensor SequenceRewards(Tensor rewards, Tensor logProbs, Tensor refLogProbs, double klCoef)
    {
        using var scope = NewDisposeScope();
        using var minusBeta = (-klCoef).ToScalar();
        return rewards.add(logProbs.sub(refLogProbs), minusBeta).MoveToOuterDisposeScope();
    }

    /// <summary>A_i for R [N] laid out as groups of k consecutive samples.</summary>
    public static Tensor Advantages(Tensor sequenceRewards, int k)
    {
        using var scope = NewDisposeScope();
        using var others = ((double)(k - 1)).ToScalar();
        var grouped = sequenceRewards.view(-1, k);
        var othersMean = grouped.sum(1, keepdim: true).sub(grouped).div(others);
        return grouped.sub(othersMean).view(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Clipped surrogate loss (mean over samples) and the fraction of samples whose clipped term was taken.</summary>
    public static (Tensor Loss, Tensor ClipFraction) PolicyLoss(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, double clipRange)
    {
        using var scope = NewDisposeScope();
        var (loss, clipped) = ClippedSurrogate.Terms(logProbs, oldLogProbs, advantages, clipRange);
        return (loss.mean().MoveToOuterDisposeScope(), clipped.mean().MoveToOuterDisposeScope());
    }
}

/// <summary>Learns from scored rollouts: the RLOO update of <see cref="Rloo"/> with AdamW, several epochs and minibatches per batch.</summary>
public sealed class RlooTrainer : IPolicyUpdate, IResumableUpdate, IDisposable
{
    readonly CausalLm policy;
    readonly RlooOptions options;
    readonly RlLearningRate learningRate;
    readonly AdamW optimizer;
    readonly TorchSharp.Modules.Parameter[] trainable;

    public RlooTrainer(CausalLm policy, RlooOptions options)
    {
        if (options.Epochs < 1 || options.MiniBatches < 1) throw new ArgumentException("RLOO needs at least one epoch and one minibatch");
        this.policy = policy;
        this.options = options;
        learningRate = new RlLearningRate(options.LearningRate, options.LrSchedule);
        // Frozen weights (a LoRA base) get neither optimizer state nor a share of the clipped norm.
        trainable = policy.parameters().Where(p => p.requires_grad).ToArray();
        optimizer = new AdamW(trainable, options.LearningRate, weightDecay: 0.0);
    }

    public int StepsDone { get; private set; }

    public void SaveState(string folder)
    {
        Directory.CreateDirectory(folder);
        optimizer.Save(Path.Combine(folder, AdamW.StateFileName));
    }

    public void LoadState(string folder) => optimizer.Load(Path.Combine(folder, AdamW.StateFileName));

    public TrainingStepMetrics Update(Rollouts rollouts, float[] rewards)
    {
        rollouts.Validate(minSamplesPerPrompt: 2).RequireTemperature(options.Temperature, "the RLOO trainer");
        if (rewards.Length != rollouts.Count) throw new ArgumentException($"{rewards.Length} rewards for {rollouts.Count} samples");
        using var scope = NewDisposeScope();
        double lr = learningRate.Apply(optimizer, StepsDone);
        var device = ModelPlacement.DeviceOf(policy);
        var shaped = tensor(options.Shaping.Apply(rewards, rollouts), device: device);
        var oldLogProbs = tensor(rollouts.LogProbs, device: device);
        var refLogProbs = tensor(rollouts.RefLogProbs, device: device);
        var sequenceRewards = Rloo.SequenceRewards(shaped, oldLogProbs, refLogProbs, options.KlCoef);
        var advantages = Rloo.Advantages(sequenceRewards, rollouts.SamplesPerPrompt);

        using var batch = SequenceBatch.For(policy, rollouts.Prompts, rollouts.Responses);
        var lengths = rollouts.RowLengths();
        var totals = new MeanAccumulator();
        // Keyed by the run's step, not this trainer's: a resumed trainer shuffles as an uninterrupted one.
        var rng = new Random(SeedMix.Derive(options.Seed, options.LrSchedule.FirstStep + StepsDone));
        policy.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            foreach (var rows in MiniBatchRows.Split(rollouts.Count, options.MiniBatches, rng))
            {
                optimizer.ZeroGrad();
                var step = new MeanAccumulator.Weighted();
                foreach (var micro in MicroBatches.Split(rows, lengths, (int)batch.InputIds.shape[1], options.MicroBatchTokens))
                {
                    using var microScope = NewDisposeScope();
                    var index = tensor(micro.Rows, device: device);
                    var ids = micro.Slice(batch.InputIds, index);
                    var responseMask = micro.Slice(batch.ResponseMask, index);
                    var logits = policy.Logits(ids, micro.Slice(batch.AttentionMask, index), null);
                    var (tokenLogProbs, entropy) = TokenOutputs.FromLogits(logits, ids, responseMask, options.Temperature, entropyGrad: false);
                    var logProbs = tokenLogProbs.sum(1);
                    var old = oldLogProbs.index_select(0, index);
                    var (loss, clipFraction) = Rloo.PolicyLoss(logProbs, old, advantages.index_select(0, index), options.ClipRange);
                    // The minibatch's loss is a mean over its rows: each micro-batch adds its rows' share.
                    double share = micro.Rows.Length / (double)rows.Length;
                    if (share == 1.0) loss.backward();
                    else
                    {
                        using var shareScalar = share.ToScalar();
                        loss.mul(shareScalar).backward();
                    }
                    step.Add("rl/loss", loss.item<float>(), share);
                    step.Add("rl/clip_fraction", clipFraction.item<float>(), share);
                    step.Add("rl/entropy", TokenOutputs.MaskedMean(entropy, responseMask).item<float>(), responseMask.sum().item<float>());
                    // k1 estimate of KL(π_old ‖ π_θ) on the old samples: how far this update has moved.
                    step.Add("rl/approx_kl_old", old.sub(logProbs.detach()).mean().item<float>(), share);
                }
                double gradNorm = nn.utils.clip_grad_norm_(trainable, options.MaxGradNorm);
                optimizer.Step();
                foreach (var (name, value) in step.Means()) totals.Add(name, value);
                totals.Add("rl/grad_norm", gradNorm);
            }
        }
        StepsDone++;
        var values = totals.Means();
        values["rl/lr"] = lr;
        values["rl/proxy_reward"] = rewards.Average();
        values["rl/shaped_reward"] = shaped.mean().item<float>();
        values["rl/ended_with_eos"] = rollouts.EndedWithEos.Average(e => e ? 1.0 : 0.0);
        values["rl/kl"] = rollouts.SequenceKl().Average();
        values["rl/kl_coef"] = options.KlCoef;
        values["rl/sequence_reward"] = sequenceRewards.mean().item<float>();
        values["rl/advantage_std"] = advantages.std().item<float>();
        values["rl/response_tokens"] = rollouts.Responses.Average(r => r.Length);
        return new TrainingStepMetrics(StepsDone, values);
    }

    public void Dispose() => optimizer.Dispose();
}
