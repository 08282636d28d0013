namespace RlhfPlatform.Contracts;

// The run spec: what a user submits. JSON (camelCase), validated against schemas/run-spec.schema.json.
// Defaults here and in the schema must agree; RunSpecTests checks that the schema accepts a default spec.

/// <summary>One RLHF run: SFT policy, one reward model, policy optimization against it, evaluation.</summary>
[GenerateSerializer, Alias("rlhf.RunSpec")]
public sealed record RunSpec
{
    [Id(0)] public string Name { get; init; } = "run";
    [Id(1)] public string Experiment { get; init; } = "default";
    [Id(2)] public int Seed { get; init; }
    [Id(3)] public TaskSpec Task { get; init; } = new();
    [Id(4)] public PolicySpec Policy { get; init; } = new();
    [Id(5)] public RewardModelSpec RewardModel { get; init; } = new();
    [Id(6)] public RlSpec Rl { get; init; } = new();
    [Id(7)] public EvaluationSpec Evaluation { get; init; } = new();
    /// <summary>The run's own prompt files; unset for the synthetic task, whose prompts are generated.</summary>
    [Id(8)] public PromptsSpec Prompts { get; init; } = new();
    [Id(9)] public RolloutSpec Rollout { get; init; } = new();

    /// <summary>The gold judge: evaluation.judge when given, else the task's synthetic length judge.</summary>
    public JudgeSpec EffectiveJudge() => Evaluation.Judge is { } judge
        ? judge.Kind == JudgeSpec.SyntheticLengthKind ? judge with { TargetLength = judge.TargetLength ?? Task.TargetLength } : judge
        : new JudgeSpec { Kind = JudgeSpec.SyntheticLengthKind, TargetLength = Task.TargetLength };
}

/// <summary>
/// The built-in synthetic task (prompts and gold reward). Kept as the shorthand of
/// evaluation.judge {"kind": "synthetic-length"}: when both are given, the judge wins and the two must agree.
/// </summary>
[GenerateSerializer, Alias("rlhf.TaskSpec")]
public sealed record TaskSpec
{
    [Id(0)] public string Kind { get; init; } = "synthetic-length";
    /// <summary>Response length (characters) at which the gold reward peaks.</summary>
    [Id(1)] public int TargetLength { get; init; } = 12;
}

/// <summary>Shape of a small decoder trained from scratch (byte-level vocabulary).</summary>
[GenerateSerializer, Alias("rlhf.ModelSpec")]
public sealed record ModelSpec
{
    [Id(0)] public int Layers { get; init; } = 2;
    [Id(1)] public int Dim { get; init; } = 64;
    [Id(2)] public int Heads { get; init; } = 4;
    [Id(3)] public int MaxSeqLen { get; init; } = 64;
}

[GenerateSerializer, Alias("rlhf.SftSpec")]
public sealed record SftSpec
{
    /// <summary>JSONL of {"prompt","response"}; null: the task generates demonstrations.</summary>
    [Id(0)] public string? Data { get; init; }
    [Id(1)] public int Examples { get; init; } = 2000;
    [Id(2)] public int Steps { get; init; } = 300;
    [Id(3)] public int BatchSize { get; init; } = 32;
    [Id(4)] public double LearningRate { get; init; } = 3e-3;
    /// <summary>Padded tokens (rows × longest row) per forward and backward; a batch is split into micro-batches within it and steps once. null: whole batches.</summary>
    [Id(5)] public int? MicroBatchTokens { get; init; }
}

[GenerateSerializer, Alias("rlhf.PolicySpec")]
public sealed record PolicySpec
{
    /// <summary>Shape trained from scratch (the synthetic task); ignored when <see cref="Base"/> is set.</summary>
    [Id(0)] public ModelSpec Model { get; init; } = new();
    [Id(1)] public SftSpec Sft { get; init; } = new();
    /// <summary>HF-layout model folder to start from (config.json, safetensors, tokenizer files); its tokenizer becomes the run's.</summary>
    [Id(2)] public string? Base { get; init; }
    /// <summary>float32, bfloat16 or float16: the precision the base is loaded in.</summary>
    [Id(3)] public string Dtype { get; init; } = "float32";
    /// <summary>LoRA adapters to train instead of every weight; null: full fine-tuning.</summary>
    [Id(4)] public LoraSpec? Lora { get; init; }
    /// <summary>Recompute each decoder block in backward instead of keeping its activations.</summary>
    [Id(5)] public bool GradientCheckpointing { get; init; }
}

/// <summary>Low-rank adapters on some projections of every block: W x + (alpha / rank) · B A dropout(x).</summary>
[GenerateSerializer, Alias("rlhf.LoraSpec")]
public sealed record LoraSpec
{
    public static readonly string[] AllProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    [Id(0)] public int Rank { get; init; } = 8;
    [Id(1)] public double Alpha { get; init; } = 16;
    [Id(2)] public double Dropout { get; init; } = 0.05;
    /// <summary>Projection names (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj); default: all of them.</summary>
    [Id(3)] public string[] TargetModules { get; init; } = AllProjections;
}

[GenerateSerializer, Alias("rlhf.RewardModelSpec")]
public sealed record RewardModelSpec
{
    [Id(0)] public string Name { get; init; } = "bt";
    [Id(1)] public string Objective { get; init; } = "bt";
    /// <summary>JSONL of {"prompt","chosen","rejected"}; null: pairs sampled from the task, gold-labelled.</summary>
    [Id(2)] public string? Data { get; init; }
    [Id(3)] public int Pairs { get; init; } = 2000;
    /// <summary>Fraction of generated pairs whose label is flipped.</summary>
    [Id(4)] public double LabelNoise { get; init; } = 0.25;
    [Id(5)] public ModelSpec Model { get; init; } = new();
    [Id(6)] public int Epochs { get; init; } = 2;
    /// <summary>Pairs per micro-batch (BSR's B).</summary>
    [Id(7)] public int BatchSize { get; init; } = 32;
    [Id(8)] public double LearningRate { get; init; } = 1e-3;
    /// <summary>linear or mlp; null: the objective's default (mlp for frozen and GRM, linear otherwise).</summary>
    [Id(9)] public string? Head { get; init; }
    [Id(10)] public RewardObjectiveSpec Hyperparameters { get; init; } = new();
    [Id(11)] public int GradientAccumulation { get; init; } = 1;
    /// <summary>constant, linear or cosine, after warmup.</summary>
    [Id(12)] public string Schedule { get; init; } = "linear";
    [Id(13)] public double WarmupRatio { get; init; } = 0.05;
    [Id(14)] public double WeightDecay { get; init; }
    [Id(15)] public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>
    /// "sft": start from the run's SFT policy (policy version 0) with a new reward head, as RLHF
    /// reward models usually do; GRM's LM-head regularizers then preserve that policy's text
    /// generation and grm-dpo's reference is that starting copy. "scratch": random init of rewardModel.model.
    /// </summary>
    [Id(16)] public string Init { get; init; } = "sft";
    /// <summary>HF-layout folder (a causal LM or a reward model) the reward model starts from instead of the SFT policy.</summary>
    [Id(17)] public string? Base { get; init; }
    /// <summary>Named preference sets evaluated after training, e.g. {"id": "id.jsonl", "ood": "ood.jsonl"}; recorded as rm/eval/{name}/accuracy.</summary>
    [Id(18)] public Dictionary<string, string>? EvalData { get; init; }
    /// <summary>float32 or bfloat16: the precision the reward model trains and scores in (its head stays float32).</summary>
    [Id(19)] public string Dtype { get; init; } = "float32";
    /// <summary>LoRA adapters (plus the reward head) to train instead of every weight; null: full fine-tuning.</summary>
    [Id(20)] public LoraSpec? Lora { get; init; }
    /// <summary>Recompute each decoder block in backward instead of keeping its activations.</summary>
    [Id(21)] public bool GradientCheckpointing { get; init; }
}

/// <summary>Hyperparameters of the reward objectives (METHODS.md defaults); only the chosen objective's apply.</summary>
[GenerateSerializer, Alias("rlhf.RewardObjectiveSpec")]
public sealed record RewardObjectiveSpec
{
    /// <summary>margin: a constant m; null uses each pair's margin from the data.</summary>
    [Id(0)] public double? Margin { get; init; }
    [Id(1)] public double LabelSmoothing { get; init; } = 0.1;
    [Id(2)] public int EnsembleMembers { get; init; } = 3;
    /// <summary>mean or min.</summary>
    [Id(3)] public string EnsembleAggregate { get; init; } = "mean";
    [Id(4)] public double BsrLambda { get; init; } = 1e-3;
    [Id(5)] public double CenterCoefficient { get; init; } = 0.01;
    [Id(6)] public double GrmAlpha { get; init; } = 0.01;
    [Id(7)] public double GrmBeta { get; init; } = 0.1;
    /// <summary>grm-sft: false uses -logπ(y_c|x) instead of -log σ(β logπ(y_c|x)).</summary>
    [Id(8)] public bool GrmSftLogSigmoid { get; init; } = true;
}

[GenerateSerializer, Alias("rlhf.RlSpec")]
public sealed record RlSpec
{
    /// <summary>"rloo" or "ppo".</summary>
    [Id(0)] public string Algorithm { get; init; } = "rloo";
    [Id(1)] public int Steps { get; init; } = 30;
    [Id(2)] public int PromptsPerStep { get; init; } = 16;
    [Id(3)] public int SamplesPerPrompt { get; init; } = 4;
    [Id(4)] public double KlCoef { get; init; } = 0.05;
    [Id(5)] public double LearningRate { get; init; } = 3e-4;
    [Id(6)] public double ClipRange { get; init; } = 0.2;
    [Id(7)] public int MaxNewTokens { get; init; } = 32;
    [Id(8)] public double Temperature { get; init; } = 1.0;
    /// <summary>Optimization epochs over each batch of rollouts.</summary>
    [Id(9)] public int Epochs { get; init; } = 1;
    [Id(10)] public int MiniBatches { get; init; } = 1;
    [Id(11)] public PpoSpec Ppo { get; init; } = new();
    /// <summary>"constant", "linear" or "cosine" decay of learningRate over the RL steps, after warmup (BSR's recipe: linear, 0.03).</summary>
    [Id(12)] public string LrSchedule { get; init; } = "constant";
    /// <summary>Fraction of the RL steps over which the learning rate rises linearly from 0.</summary>
    [Id(13)] public double WarmupRatio { get; init; }
    /// <summary>Subtracted from the score of a response cut off without EOS (TRL's missing_eos_penalty); 0 turns it off.</summary>
    [Id(14)] public double MissingEosPenalty { get; init; }
    /// <summary>Padded tokens (rows × longest row) per forward and backward of the update; a minibatch is split into micro-batches within it and steps once. null: whole minibatches.</summary>
    [Id(15)] public int? MicroBatchTokens { get; init; }
    /// <summary>
    /// A policy version is committed (with its trainer state) every this many RL steps, and at the last; the
    /// versions between reach generators from the trainer's memory. A run resumed after a fault replays the
    /// steps since its last checkpoint, with the same seeds, so it ends as if never interrupted.
    /// </summary>
    [Id(16)] public int CheckpointEvery { get; init; } = 1;
}

/// <summary>How an RL step's rollouts are generated.</summary>
[GenerateSerializer, Alias("rlhf.RolloutSpec")]
public sealed record RolloutSpec
{
    /// <summary>Generator grains per run, each sampling a contiguous shard of the step's prompts; the results are gathered in prompt order and equal one generator's.</summary>
    [Id(0)] public int Generators { get; init; } = 1;
}

/// <summary>PPO-only settings (METHODS.md: GAE with γ = 1, λ = 0.95; fixed or adaptive KL).</summary>
[GenerateSerializer, Alias("rlhf.PpoSpec")]
public sealed record PpoSpec
{
    /// <summary>"shared" (value head on the policy's backbone) or "separate" (a critic copied from it).</summary>
    [Id(0)] public string Critic { get; init; } = "shared";
    [Id(1)] public double GaeLambda { get; init; } = 0.95;
    [Id(2)] public double ValueCoef { get; init; } = 0.1;
    [Id(3)] public double ValueClipRange { get; init; } = 0.2;
    /// <summary>Target KL of the adaptive controller; null keeps the KL coefficient fixed.</summary>
    [Id(4)] public double? KlTarget { get; init; }
    /// <summary>"none", "running" or "first-batch".</summary>
    [Id(5)] public string RewardNormalization { get; init; } = "none";
}

[GenerateSerializer, Alias("rlhf.EvaluationSpec")]
public sealed record EvaluationSpec
{
    [Id(0)] public int Prompts { get; init; } = 128;
    [Id(1)] public int MaxNewTokens { get; init; } = 32;
    /// <summary>Largest N of the Best-of-N curve drawn from the reference policy (0: no curve).</summary>
    [Id(2)] public int BestOfN { get; init; } = 16;
    /// <summary>Prompts of the Best-of-N curve (the first ones of the evaluation prompts).</summary>
    [Id(3)] public int BestOfNPrompts { get; init; } = 64;
    /// <summary>Who gives the gold reward; null: the task's (synthetic-length).</summary>
    [Id(4)] public JudgeSpec? Judge { get; init; }
}

/// <summary>The gold judge: a reward-model folder (ensembles too), or the synthetic length task.</summary>
[GenerateSerializer, Alias("rlhf.JudgeSpec")]
public sealed record JudgeSpec
{
    public const string RewardModelKind = "reward-model", SyntheticLengthKind = "synthetic-length";

    /// <summary>"reward-model" or "synthetic-length".</summary>
    [Id(0)] public string Kind { get; init; } = SyntheticLengthKind;
    /// <summary>reward-model: the gold reward-model folder.</summary>
    [Id(1)] public string? Model { get; init; }
    /// <summary>synthetic-length: the length at which gold peaks; null: task.targetLength.</summary>
    [Id(2)] public int? TargetLength { get; init; }
}

/// <summary>Prompt files: JSONL of {"prompt": string | chat messages}.</summary>
[GenerateSerializer, Alias("rlhf.PromptsSpec")]
public sealed record PromptsSpec
{
    [Id(0)] public string? Train { get; init; }
    [Id(1)] public string? Eval { get; init; }
    /// <summary>Render prompts with the tokenizer's chat template (add_generation_prompt); false: the text as it is.</summary>
    [Id(2)] public bool ChatTemplate { get; init; } = true;
    /// <summary>Longer prompts are cut from the left (BOS kept); null: what the policy's context leaves after the response.</summary>
    [Id(3)] public int? MaxPromptTokens { get; init; }
}
