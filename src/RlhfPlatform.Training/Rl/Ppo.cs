using TorchSharp;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;
using RlhfPlatform.Modeling.Optimization;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Lora;

namespace RlhfPlatform.Training.Rl;

public enum CriticKind
{
    /// <summary>A value head on the policy's own decoder (one forward gives logits and values).</summary>
    SharedBackbone,
    /// <summary>A separate decoder + value head, initialised from the policy's decoder weights.</summary>
    Separate,
}

/// <summary>Every PPO hyperparameter. Defaults: γ = 1, λ = 0.95, clip 0.2 (policy and value), TRL's vf_coef 0.1, KL target/horizon of Ziegler et al. when adaptive.</summary>
public sealed record PpoOptions
{
    /// <summary>Peak learning rate; <see cref="LrSchedule"/> scales it per update.</summary>
    public double LearningRate { get; init; } = 1e-6;
    public RlLearningRateSchedule LrSchedule { get; init; } = new();
    /// <summary>Sampling temperature; log-probs are taken at the same temperature, and rollouts at another are refused.</summary>
    public double Temperature { get; init; } = 1.0;
    /// <summary>Initial (or fixed) β of the per-token KL penalty.</summary>
    public double KlCoef { get; init; } = 0.05;
    /// <summary>Target of the adaptive KL controller (sequence KL, nats); null keeps β fixed.</summary>
    public double? KlTarget { get; init; }
    public double KlHorizon { get; init; } = 10000;
    public double Gamma { get; init; } = 1.0;
    public double Lambda { get; init; } = 0.95;
    public double ClipRange { get; init; } = 0.2;
    public double ValueClipRange { get; init; } = 0.2;
    public double ValueCoef { get; init; } = 0.1;
    /// <summary>c_H of the entropy bonus -c_H · H; 0 turns it off (the entropy is then a metric, computed without grad).</summary>
    public double EntropyCoef { get; init; }
    public bool WhitenAdvantages { get; init; } = true;
    public RewardNormalization RewardNormalization { get; init; } = RewardNormalization.None;
    public CriticKind Critic { get; init; } = CriticKind.SharedBackbone;
    public int Epochs { get; init; } = 4;
    public int MiniBatches { get; init; } = 1;
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Padded tokens (rows × longest row) per forward and backward within a minibatch; null: the whole minibatch at once.</summary>
    public long? MicroBatchTokens { get; init; }
    public RewardShaping Shaping { get; init; } = new();
    public long Seed { get; init; }
}

/// <summary>
/// PPO for language models (Ziegler et al. 2019; Ouyang et al. 2022), token-level:
///   r_t = -β (log π_old(y_t) - log π_ref(y_t)) + [t = T] · s         (s: normalised, shaped proxy score)
///   δ_t = r_t + γ V(t+1) - V(t),   A_t = δ_t + γλ A_{t+1},   V(T+1) = 0   (GAE)
///   R_t = A_t + V(t)                                                 (value target)
///   L_π = mean_t -min(ρ_t A_t, clip(ρ_t, 1-ε, 1+ε) A_t),  ρ_t = exp(log π_θ(y_t) - log π_old(y_t))
///   L_V = ½ mean_t max((V_θ - R)², (V_old + clip(V_θ - V_old, -ε_V, ε_V) - R)²)
///   L   = L_π + c_V L_V - c_H mean_t H_t
/// </summary>
public static class Ppo
{
    static readonly Scalar Half = 0.5.ToScalar();
    static readonly Scalar WhitenEpsilon = 1e-8.ToScalar();

    /// <summary>Per-token rewards of one response: the KL penalty at every token, the score added at the last.</summary>
    public static float[] TokenRewards(float score, IReadOnlyList<float> logProbs, IReadOnlyList<float> refLogProbs, double klCoef)
    {
        var rewards = new float[logProbs.Count];
        for (int t = 0; t < rewards.Length; t++) rewards[t] = (float)(-klCoef * (logProbs[t] - refLogProbs[t]));
        if (rewards.Length > 0) rewards[^1] += score;
        return rewards;
    }

    /// <summary>Generalised advantage estimation over one response (the episode ends after its last token).</summary>
    public static (float[] Advantages, float[] Returns) Gae(IReadOnlyList<float> rewards, IReadOnlyList<float> values, double gamma, double lambda)
    {
        if (rewards.Count != values.Count) throw new ArgumentException($"{rewards.Count} rewards but {values.Count} values");
        int n = rewards.Count;
        var advantages = new float[n];
        var returns = new float[n];
        double next = 0, nextValue = 0;
        for (int t = n - 1; t >= 0; t--)
        {
            double delta = rewards[t] + gamma * nextValue - values[t];
            next = delta + gamma * lambda * next;
            advantages[t] = (float)next;
            returns[t] = (float)(next + values[t]);
            nextValue = values[t];
        }
        return (advantages, returns);
    }

    /// <summary>Token-level clipped surrogate (mean over response tokens) and the fraction of tokens whose clipped term was taken.</summary>
    public static (Tensor Loss, Tensor ClipFraction) PolicyLoss(Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask, double clipRange)
    {
        using var scope = NewDisposeScope();
        var (loss, clipped) = ClippedSurrogate.Terms(logProbs, oldLogProbs, advantages, clipRange);
        return (TokenOutputs.MaskedMean(loss, mask).MoveToOuterDisposeScope(), TokenOutputs.MaskedMean(clipped, mask).MoveToOuterDisposeScope());
    }

    /// <summary>Clipped value loss (mean over response tokens) and the fraction of tokens where the clipped term was larger.</summary>
    public static (Tensor Loss, Tensor ClipFraction) ValueLoss(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double clipRange)
    {
        using var scope = NewDisposeScope();
        using var low = (-clipRange).ToScalar();
        using var high = clipRange.ToScalar();
        var clippedValues = oldValues.add(values.sub(oldValues).clamp(low, high), TorchScalars.One);
        var unclippedLoss = values.sub(returns).Squared();
        var clippedLoss = clippedValues.sub(returns).Squared();
        var loss = TokenOutputs.MaskedMean(maximum(unclippedLoss, clippedLoss), mask).mul(Half);
        var fraction = TokenOutputs.MaskedMean(clippedLoss.gt(unclippedLoss).to_type(ScalarType.Float32), mask);
        return (loss.MoveToOuterDisposeScope(), fraction.MoveToOuterDisposeScope());
    }

    /// <summary>(A - mean) / std over the response tokens.</summary>
    public static Tensor Whiten(Tensor advantages, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var centred = advantages.sub(TokenOutputs.MaskedMean(advantages, mask));
        var variance = TokenOutputs.MaskedMean(centred.Squared(), mask);
        return (centred * variance.add(WhitenEpsilon, TorchScalars.One).rsqrt() * mask).MoveToOuterDisposeScope();
    }
}

/// <summary>Learns from scored rollouts with PPO: a critic, GAE, clipped policy and value losses, a KL controller.</summary>
public sealed class PpoTrainer : IPolicyUpdate, IResumableUpdate, IDisposable
{
    const string CriticFileName = "critic.safetensors";
    const string ControllerFileName = "ppo-state.json";

    readonly CausalLm policy;
    readonly ILanguageModel reference;
    readonly PpoOptions options;
    readonly ValueHead? sharedHead;
    readonly ValueModel? critic;
    readonly TorchSharp.Modules.Parameter[] parameters;
    readonly AdamW optimizer;
    readonly RlLearningRate learningRate;
    readonly RewardNormalizer normalizer;

    public PpoTrainer(CausalLm policy, ILanguageModel reference, PpoOptions options)
    {
        if (options.Epochs < 1 || options.MiniBatches < 1) throw new ArgumentException("PPO needs at least one epoch and one minibatch");
        this.policy = policy;
        this.reference = reference;
        this.options = options;
        Kl = new KlController(options.KlCoef, options.KlTarget, options.KlHorizon);
        learningRate = new RlLearningRate(options.LearningRate, options.LrSchedule);
        normalizer = new RewardNormalizer(options.RewardNormalization);
        var device = policy.parameters().First().device;
        IEnumerable<TorchSharp.Modules.Parameter> criticParameters;
        if (options.Critic == CriticKind.SharedBackbone)
        {
            sharedHead = new ValueHead(policy.Config.HiddenSize);
            sharedHead.to(device);
            criticParameters = sharedHead.parameters();
        }
        else
        {
            critic = ModelPrecision.Cast(new ValueModel(policy.Config), ModelPrecision.Of(policy));
            critic.to(device);
            critic.Backbone.GradientCheckpointing = policy.Backbone.GradientCheckpointing;
            var policyBackbone = policy.Backbone.state_dict();
            using (no_grad())
                foreach (var (name, target) in critic.Backbone.state_dict()) target.copy_(policyBackbone[name]);
            // A LoRA policy gets a LoRA critic: adapters of the same shape on the policy's base, the value head in full.
            if (LoraModel.OptionsOf(policy) is { } lora)
                LoraModel.Attach(critic, lora with { ModulesToSave = [ValueModel.HeadName] }, seed: options.Seed);
            criticParameters = critic.parameters().Where(p => p.requires_grad);
        }
        // Frozen weights (a LoRA base) get neither optimizer state nor a share of the clipped norm.
        parameters = policy.parameters().Where(p => p.requires_grad).Concat(criticParameters).ToArray();
        optimizer = new AdamW(parameters, options.LearningRate, weightDecay: 0.0);
    }

    public KlController Kl { get; }

    public int StepsDone { get; private set; }

    public TrainingStepMetrics Update(Rollouts rollouts, float[] rewards)
    {
        rollouts.Validate().RequireTemperature(options.Temperature, "the PPO trainer");
        if (rewards.Length != rollouts.Count) throw new ArgumentException($"{rewards.Length} rewards for {rollouts.Count} samples");
        using var scope = NewDisposeScope();
        double lr = learningRate.Apply(optimizer, StepsDone);
        var scores = normalizer.Normalize(options.Shaping.Apply(rewards, rollouts));
        using var batch = SequenceBatch.For(policy, rollouts.Prompts, rollouts.Responses);
        var mask = batch.ResponseMask;
        var (oldLogProbs, refLogProbs, oldValues) = Experience(batch);
        double beta = Kl.Value;
        var (advantages, returns, tokenRewards) = Targets(scores, oldLogProbs, refLogProbs, oldValues, mask, beta, options.Gamma, options.Lambda);
        var rawAdvantageMean = TokenOutputs.MaskedMean(advantages, mask).item<float>();
        if (options.WhitenAdvantages) advantages = Ppo.Whiten(advantages, mask);

        bool entropyBonus = options.EntropyCoef != 0;
        using var valueCoef = options.ValueCoef.ToScalar();
        using var minusEntropyCoef = (-options.EntropyCoef).ToScalar();
        var totals = new MeanAccumulator();
        var lengths = rollouts.RowLengths();
        // Keyed by the run's step, not this trainer's: a resumed trainer shuffles as an uninterrupted one.
        var rng = new Random(SeedMix.Derive(options.Seed, options.LrSchedule.FirstStep + StepsDone));
        policy.train();
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            foreach (var rows in MiniBatchRows.Split(rollouts.Count, options.MiniBatches, rng))
            {
                optimizer.ZeroGrad();
                var step = new MeanAccumulator.Weighted();
                using var rowsIndex = tensor(rows, device: mask.device);
                using var rowTokens = mask.index_select(0, rowsIndex).sum();
                float minibatchTokens = rowTokens.item<float>();
                foreach (var micro in MicroBatches.Split(rows, lengths, (int)batch.InputIds.shape[1], options.MicroBatchTokens))
                {
                    using var microScope = NewDisposeScope();
                    var index = tensor(micro.Rows, device: mask.device);
                    var ids = micro.Slice(batch.InputIds, index);
                    var rowMask = micro.Slice(mask, index);
                    var (logits, values) = Forward(ids, micro.Slice(batch.AttentionMask, index), rowMask);
                    var (logProbs, entropy) = TokenOutputs.FromLogits(logits, ids, rowMask, options.Temperature, entropyGrad: entropyBonus);
                    var old = micro.Slice(oldLogProbs, index);
                    var (policyLoss, clipFraction) = Ppo.PolicyLoss(logProbs, old, micro.Slice(advantages, index), rowMask, options.ClipRange);
                    var (valueLoss, valueClipFraction) = Ppo.ValueLoss(values, micro.Slice(oldValues, index), micro.Slice(returns, index),
                        rowMask, options.ValueClipRange);
                    var meanEntropy = TokenOutputs.MaskedMean(entropy, rowMask);
                    var loss = policyLoss.add(valueLoss, valueCoef);
                    if (entropyBonus) loss = loss.add(meanEntropy, minusEntropyCoef);
                    // Every term is a mean over the minibatch's response tokens: each micro-batch adds its tokens' share.
                    float tokens = rowMask.sum().item<float>();
                    double share = tokens / minibatchTokens;
                    if (micro.Rows.Length == rows.Length) loss.backward();
                    else
                    {
                        using var shareScalar = share.ToScalar();
                        loss.mul(shareScalar).backward();
                    }
                    step.Add("rl/loss", loss.item<float>(), tokens);
                    step.Add("rl/policy_loss", policyLoss.item<float>(), tokens);
                    step.Add("rl/value_loss", valueLoss.item<float>(), tokens);
                    step.Add("rl/entropy", meanEntropy.item<float>(), tokens);
                    step.Add("rl/clip_fraction", clipFraction.item<float>(), tokens);
                    step.Add("rl/value_clip_fraction", valueClipFraction.item<float>(), tokens);
                    // k1 estimate of KL(π_old ‖ π_θ) per token on the old samples: how far this update has moved.
                    step.Add("rl/approx_kl_old", TokenOutputs.MaskedMean(old.sub(logProbs.detach()), rowMask).item<float>(), tokens);
                }
                double gradNorm = nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm);
                optimizer.Step();
                foreach (var (name, value) in step.Means()) totals.Add(name, value);
                totals.Add("rl/grad_norm", gradNorm);
            }
        }
        // Σ_t (log π_old - log π_ref) per sequence, averaged: the k1 estimate of the sequence KL.
        double kl = (oldLogProbs.sub(refLogProbs) * mask).sum(1).mean().item<float>();
        Kl.Update(kl, rollouts.Count);
        StepsDone++;
        var metrics = totals.Means();
        metrics["rl/lr"] = lr;
        metrics["rl/proxy_reward"] = rewards.Average();
        metrics["rl/normalized_score"] = scores.Average();
        metrics["rl/ended_with_eos"] = rollouts.EndedWithEos.Average(e => e ? 1.0 : 0.0);
        metrics["rl/kl"] = kl;
        metrics["rl/kl_coef"] = beta;
        metrics["rl/token_reward_sum"] = tokenRewards.sum(1).mean().item<float>();
        metrics["rl/advantage_mean"] = rawAdvantageMean;
        metrics["rl/value_mean"] = TokenOutputs.MaskedMean(oldValues, mask).item<float>();
        metrics["rl/response_tokens"] = rollouts.Responses.Average(r => r.Length);
        return new TrainingStepMetrics(StepsDone, metrics);
    }

    /// <summary>
    /// Everything PPO carries between steps besides the policy weights: AdamW moments (policy and
    /// critic), the critic (value head, or the separate value model), the KL coefficient and the reward
    /// normalizer's running moments.
    /// </summary>
    public void SaveState(string folder)
    {
        Directory.CreateDirectory(folder);
        optimizer.Save(Path.Combine(folder, AdamW.StateFileName));
        SafeTensors.Write(Path.Combine(folder, CriticFileName), CriticParameters());
        File.WriteAllText(Path.Combine(folder, ControllerFileName),
            System.Text.Json.JsonSerializer.Serialize(new ControllerState(Kl.Value, normalizer.Save())));
    }

    public void LoadState(string folder)
    {
        optimizer.Load(Path.Combine(folder, AdamW.StateFileName));
        string criticPath = Path.Combine(folder, CriticFileName);
        using (var file = SafeTensorsFile.Open(criticPath))
        using (no_grad())
        {
            var parameters = CriticParameters().ToArray();
            if (file.Entries.Count != parameters.Length)
                throw new InvalidDataException($"{criticPath}: {file.Entries.Count} critic tensors, this critic has {parameters.Length}");
            foreach (var (name, parameter) in parameters)
            {
                if (!file.Entries.ContainsKey(name)) throw new InvalidDataException($"{criticPath}: no '{name}' (a critic of another kind or shape)");
                using var value = file.Read(name);
                if (!value.shape.SequenceEqual(parameter.shape))
                    throw new InvalidDataException($"{criticPath}: '{name}' has shape [{string.Join(", ", value.shape)}], the critic has [{string.Join(", ", parameter.shape)}]");
                parameter.copy_(value);
            }
        }
        string controllerPath = Path.Combine(folder, ControllerFileName);
        var state = System.Text.Json.JsonSerializer.Deserialize<ControllerState>(File.ReadAllText(controllerPath))
            ?? throw new InvalidDataException($"{controllerPath}: empty PPO state");
        Kl.Restore(state.KlCoef);
        normalizer.Restore(state.Normalizer);
    }

    /// <summary>What the critic learns: the whole critic, or its adapters and value head under LoRA (the base is the policy's version 0).</summary>
    IEnumerable<(string Name, Tensor Tensor)> CriticParameters() =>
        (sharedHead is not null ? sharedHead.named_parameters() : critic!.named_parameters()).Where(p => p.parameter.requires_grad).Select(p => (p.name, (Tensor)p.parameter));

    sealed record ControllerState(double KlCoef, RewardNormalizer.State Normalizer);

    /// <summary>
    /// π_old, π_ref (per token, at the sampling temperature) and V_old on the sampled tokens, before any
    /// update, in row chunks whose fp32 logits stay within <see cref="ResponseLogProbs.MaxChunkLogitBytes"/>.
    /// Every chunk's [rows, T, V] logits die in its scope, so none are alive during the update epochs.
    /// </summary>
    public (Tensor OldLogProbs, Tensor RefLogProbs, Tensor OldValues) Experience(SequenceBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        policy.eval();
        long rows = batch.InputIds.shape[0];
        long perChunk = ResponseLogProbs.RowsPerChunk(batch.InputIds.shape[1], policy.Config.VocabSize);
        var old = new List<Tensor>();
        var reference = new List<Tensor>();
        var values = new List<Tensor>();
        for (long start = 0; start < rows; start += perChunk)
        {
            long n = Math.Min(perChunk, rows - start);
            var ids = batch.InputIds.narrow(0, start, n);
            var attention = batch.AttentionMask.narrow(0, start, n);
            var mask = batch.ResponseMask.narrow(0, start, n);
            using var chunk = NewDisposeScope();
            var (oldLogits, oldValues) = Forward(ids, attention, mask);
            old.Add(ResponseLogProbs.FromLogits(oldLogits, ids, mask, options.Temperature).MoveToOuterDisposeScope());
            values.Add(oldValues.MoveToOuterDisposeScope());
            var refLogits = this.reference.Logits(ids, attention, null);
            reference.Add(ResponseLogProbs.FromLogits(refLogits, ids, mask, options.Temperature).MoveToOuterDisposeScope());
        }
        return old.Count == 1
            ? (old[0].MoveToOuterDisposeScope(), reference[0].MoveToOuterDisposeScope(), values[0].MoveToOuterDisposeScope())
            : (cat(old, 0).MoveToOuterDisposeScope(), cat(reference, 0).MoveToOuterDisposeScope(), cat(values, 0).MoveToOuterDisposeScope());
    }

    /// <summary>Logits [B, T, V] and values at the response tokens [B, T].</summary>
    (Tensor Logits, Tensor Values) Forward(Tensor inputIds, Tensor attentionMask, Tensor responseMask)
    {
        using var scope = NewDisposeScope();
        Tensor logits, perPosition;
        if (sharedHead is not null)
        {
            var hidden = policy.Backbone.Forward(inputIds, attentionMask, null);
            logits = policy.LogitsFromHidden(hidden);
            perPosition = sharedHead.forward(hidden);
        }
        else
        {
            logits = policy.Logits(inputIds, attentionMask, null);
            perPosition = critic!.Values(inputIds, attentionMask);
        }
        var values = TokenOutputs.ShiftToTokens(perPosition, responseMask);
        return (logits.MoveToOuterDisposeScope(), values.MoveToOuterDisposeScope());
    }

    /// <summary>Token rewards, GAE advantages and returns for every row, computed per response on the CPU.</summary>
    static (Tensor Advantages, Tensor Returns, Tensor Rewards) Targets(float[] scores, Tensor oldLogProbs, Tensor refLogProbs, Tensor values,
        Tensor mask, double beta, double gamma, double lambda)
    {
        int rows = (int)mask.shape[0], width = (int)mask.shape[1];
        float[] m = mask.cpu().data<float>().ToArray(), lp = oldLogProbs.cpu().data<float>().ToArray();
        float[] rlp = refLogProbs.cpu().data<float>().ToArray(), v = values.cpu().data<float>().ToArray();
        var advantages = new float[rows * width];
        var returns = new float[rows * width];
        var rewards = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var positions = Enumerable.Range(r * width, width).Where(i => m[i] > 0).ToArray();
            var tokenRewards = Ppo.TokenRewards(scores[r], positions.Select(i => lp[i]).ToArray(), positions.Select(i => rlp[i]).ToArray(), beta);
            var (a, ret) = Ppo.Gae(tokenRewards, positions.Select(i => v[i]).ToArray(), gamma, lambda);
            for (int j = 0; j < positions.Length; j++)
            {
                advantages[positions[j]] = a[j];
                returns[positions[j]] = ret[j];
                rewards[positions[j]] = tokenRewards[j];
            }
        }
        var device = mask.device;
        return (tensor(advantages, [rows, width], device: device), tensor(returns, [rows, width], device: device),
            tensor(rewards, [rows, width], device: device));
    }

    public void Dispose()
    {
        optimizer.Dispose();
        sharedHead?.Dispose();
        critic?.Dispose();
    }
}
