using RlhfPlatform.Contracts;
using RlhfPlatform.Grains;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Memory;
using RlhfPlatform.Modeling.Tokenization;

namespace RlhfPlatform.Cli.Plan;

/// <summary>
/// Run spec → the memory of each role of the run (ActivationMemory's formulas for the shapes and batch
/// sizes the spec implies). Sequences are planned at their longest: the prompt budget
/// (prompts.maxPromptTokens, else the policy's context minus the longest response) plus rl.maxNewTokens.
/// </summary>
public static class RunMemoryPlanner
{
    public static MemoryPlan Plan(RunSpec spec, string source, string? namedModel, long deviceMemoryBytes)
    {
        var named = namedModel is null ? null : NamedShapes.Get(namedModel);
        var policy = named ?? PolicyConfig(spec);
        var objective = SpecMapping.Objective(spec);
        string head = SpecMapping.RewardHead(spec);
        var reward = (named ?? RewardConfig(spec, policy)) with { RewardHead = head };

        long newTokens = spec.Rl.MaxNewTokens;
        long promptTokens = spec.Prompts.MaxPromptTokens ?? policy.MaxPositions - Math.Max(newTokens, spec.Evaluation.MaxNewTokens);
        if (promptTokens < 1) throw new ArgumentException($"the policy's context ({policy.MaxPositions}) leaves no room for a prompt next to {newTokens} new tokens");
        long rlLength = Math.Min(policy.MaxPositions, promptTokens + newTokens);
        long rollouts = (long)spec.Rl.PromptsPerStep * spec.Rl.SamplesPerPrompt;
        long microBatch = MicroBatchRows((rollouts + spec.Rl.MiniBatches - 1) / spec.Rl.MiniBatches, spec.Rl.MicroBatchTokens, rlLength);
        long perGenerator = (spec.Rl.PromptsPerStep + spec.Rollout.Generators - 1) / spec.Rollout.Generators * (long)spec.Rl.SamplesPerPrompt;
        var policyLora = Lora(spec.Policy.Lora);
        var rewardLora = Lora(spec.RewardModel.Lora);
        bool ppo = spec.Rl.Algorithm == "ppo";
        bool sharedCritic = ppo && spec.Rl.Ppo.Critic == "shared";

        var roles = new List<RoleMemory>
        {
            Trainer("policy SFT", policy, spec.Policy.Dtype, ParameterCounts.CausalLm(policy), Trainable(policy, policyLora, ParameterCounts.CausalLm(policy)),
                MicroBatchRows(spec.Policy.Sft.BatchSize, spec.Policy.Sft.MicroBatchTokens, rlLength), rlLength, spec.Policy.GradientCheckpointing, lmLogits: true, policyLora),
            Trainer(sharedCritic ? "policy trainer (+ value head)" : "policy trainer", policy, spec.Policy.Dtype,
                ParameterCounts.CausalLm(policy) + (sharedCritic ? ParameterCounts.ValueHead(policy) : 0),
                Trainable(policy, policyLora, ParameterCounts.CausalLm(policy)) + (sharedCritic ? ParameterCounts.ValueHead(policy) : 0),
                microBatch, rlLength, spec.Policy.GradientCheckpointing, lmLogits: true, policyLora),
            Inference("reference", policy, spec.Policy.Dtype, ParameterCounts.CausalLm(policy), rollouts, rlLength, lmLogits: true),
        };
        long rewardParameters = ParameterCounts.RewardModel(reward, head);
        long rewardTrainable = !objective.Traits.TrainsBackbone ? ParameterCounts.RewardHead(reward, head)
            : rewardLora is null ? rewardParameters
            : ParameterCounts.Lora(reward, rewardLora) + ParameterCounts.RewardHead(reward, head);
        // Without an LM-head term (GRM) the LM head is in the optimizer but gets no gradient.
        long idleLmHead = objective.Traits.ChosenLogProbs || !objective.Traits.TrainsBackbone || rewardLora is not null ? 0 : ParameterCounts.LmHead(reward);
        // Preference pairs are planned as long as the rollouts the scorer reads, within the reward model's context.
        long rewardContext = Math.Min(named is null ? SpecMapping.RewardModelContext(spec) : reward.MaxPositions, rlLength);
        roles.Add(Trainer(objective.Traits.Members > 1 ? $"reward model trainer (each of {objective.Traits.Members})" : "reward model trainer",
            reward, spec.RewardModel.Dtype, rewardParameters, rewardTrainable, 2L * spec.RewardModel.BatchSize, rewardContext,
            spec.RewardModel.GradientCheckpointing, lmLogits: objective.Traits.ChosenLogProbs, rewardLora, idleLmHead));
        if (objective.Traits.ReferenceLogProbs)
            roles.Add(Inference("reward model reference (grm-dpo)", reward, spec.RewardModel.Dtype, ParameterCounts.CausalLm(reward),
                2L * spec.RewardModel.BatchSize, rewardContext, lmLogits: true));
        roles.Add(Inference(objective.Traits.Members > 1 ? $"reward scorer ({objective.Traits.Members} members)" : "reward scorer",
            reward, spec.RewardModel.Dtype, rewardParameters * objective.Traits.Members, rollouts, rlLength, lmLogits: false));
        if (ppo && !sharedCritic)
        {
            long critic = ParameterCounts.Backbone(policy) + ParameterCounts.ValueHead(policy);
            roles.Add(Trainer("critic (value model)", policy, spec.Policy.Dtype, critic,
                policyLora is null ? critic : ParameterCounts.Lora(policy, policyLora) + ParameterCounts.ValueHead(policy),
                microBatch, rlLength, spec.Policy.GradientCheckpointing, lmLogits: false, policyLora));
        }
        roles.Add(Generator(policy, spec.Policy.Dtype, perGenerator, promptTokens, rlLength,
            spec.Rollout.Generators > 1 ? $"generator (each of {spec.Rollout.Generators})" : "generator"));
        return new MemoryPlan(source, namedModel, deviceMemoryBytes, roles);
    }

    static RoleMemory Trainer(string role, ModelConfig c, string dtype, long parameters, long trainable, long rows, long length,
        bool checkpointing, bool lmLogits, LoraShape? lora, long noGradient = 0)
    {
        int s = ElementBytes(dtype);
        bool mixed = s < 4;
        var activations = ActivationMemory.Training(c, s, rows, length, checkpointing, lmLogits, lora);
        long adapters = lora is null ? 0 : ParameterCounts.Lora(c, lora);
        return new RoleMemory
        {
            Role = role, Dtype = dtype, Parameters = parameters + adapters, TrainableParameters = trainable, Rows = rows, SequenceLength = length,
            GradientCheckpointing = checkpointing,
            WeightBytes = (parameters + adapters) * s,
            GradientBytes = (trainable - noGradient) * s,
            OptimizerBytes = 2 * trainable * (mixed ? 4 : s),
            MasterWeightBytes = mixed ? 4 * trainable : 0,
            ActivationBytes = activations.SavedBytes,
            TransientBytes = activations.TransientBytes,
        };
    }

    static RoleMemory Inference(string role, ModelConfig c, string dtype, long parameters, long rows, long length, bool lmLogits)
    {
        int s = ElementBytes(dtype);
        return new RoleMemory
        {
            Role = role, Dtype = dtype, Parameters = parameters, TrainableParameters = 0, Rows = rows, SequenceLength = length,
            GradientCheckpointing = false, WeightBytes = parameters * s,
            ActivationBytes = ActivationMemory.Inference(c, s, rows, length, lmLogits),
        };
    }

    /// <summary>Weights, the KV cache for prompt + new tokens, and the prompt's prefill (logits over every prompt position).</summary>
    static RoleMemory Generator(ModelConfig c, string dtype, long rows, long promptTokens, long length, string role)
    {
        int s = ElementBytes(dtype);
        long parameters = ParameterCounts.CausalLm(c);
        return new RoleMemory
        {
            Role = role, Dtype = dtype, Parameters = parameters, TrainableParameters = 0, Rows = rows, SequenceLength = length,
            GradientCheckpointing = false, WeightBytes = parameters * s,
            ActivationBytes = ActivationMemory.Inference(c, s, rows, Math.Min(promptTokens, length), lmLogits: true),
            KvCacheBytes = ActivationMemory.KvCacheBytes(c, rows, length, s),
        };
    }

    /// <summary>Rows per forward and backward: the whole batch, or as many full-length rows as a micro-batch token budget holds (at least one).</summary>
    static long MicroBatchRows(long batchRows, int? microBatchTokens, long length) =>
        microBatchTokens is { } tokens ? Math.Clamp(tokens / length, 1, batchRows) : batchRows;

    static long Trainable(ModelConfig c, LoraShape? lora, long all) => lora is null ? all : ParameterCounts.Lora(c, lora);

    static LoraShape? Lora(LoraSpec? spec) => spec is null ? null : new LoraShape(spec.Rank, spec.TargetModules, spec.Dropout);

    static int ElementBytes(string dtype) => dtype switch
    {
        "float32" => 4,
        "bfloat16" or "float16" => 2,
        _ => throw new ArgumentException($"dtype '{dtype}' is not float32, bfloat16 or float16"),
    };

    static ModelConfig PolicyConfig(RunSpec spec) =>
        spec.Policy.Base is { } folder ? ModelCheckpoint.ReadConfig(folder) : SmallConfig(spec.Policy.Model);

    /// <summary>rewardModel.base's config, else the SFT policy's shape (init "sft"), else rewardModel.model.</summary>
    static ModelConfig RewardConfig(RunSpec spec, ModelConfig policy) =>
        spec.RewardModel.Base is { } folder ? ModelCheckpoint.ReadConfig(folder)
        : spec.RewardModel.Init == "sft" ? policy
        : SmallConfig(spec.RewardModel.Model);

    static ModelConfig SmallConfig(ModelSpec model)
    {
        var bytes = new ByteTokenizer();
        return ModelConfig.Small(bytes.VocabSize, model.Dim, model.Layers, model.Heads, model.MaxSeqLen, bytes.BosId, bytes.EosId, bytes.PadId);
    }
}
