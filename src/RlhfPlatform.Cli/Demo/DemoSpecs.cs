using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// The runs the demo submits: the synthetic length task, sized to finish on two CPU cores. The RL
/// recipe is the same in the full and the quick benchmark and is chosen to spend enough KL for a
/// proxy to be exploited (README, "the default configuration"): β_KL 0.01 and learning rate 5e-4 for
/// 32 RLOO steps reach 8+ nats against a Bradley-Terry proxy, whose gold reward peaks early and
/// then falls while the proxy keeps rising. Best-of-N goes up to N = 256 (4.55 nats). Responses are
/// capped at 24 tokens: gold's length term is already at its floor (-1) from 18 characters. Reward
/// models train for one epoch (InstructGPT's recipe: more epochs overfit the preference data); a
/// second epoch was the largest single cost of the full benchmark.
/// </summary>
public static class DemoSpecs
{
    /// <summary>Reward models the demo compares, in table order.</summary>
    public static readonly string[] FullRewardModels =
        ["bt", "margin", "label-smoothing", "ensemble", "bsr", "grm-sft", "grm-dpo", "grm-dpo-noref"];
    public static readonly string[] QuickRewardModels = ["bt", "bsr", "grm-sft"];

    public const int FullSeeds = 3, QuickSeeds = 1;

    /// <summary>
    /// libtorch threads of the demo's compute queue. The demo's tensors are tiny (64-wide, a few
    /// thousand tokens a batch): a second intra-op thread buys little and, on a shared 2-core machine,
    /// spins against the other processes.
    /// </summary>
    public const int ComputeThreads = 1;
    public const int RlSteps = 32, MaxNewTokens = 24, BestOfN = 256, BestOfNPrompts = 16;
    public const double KlCoef = 0.01, RlLearningRate = 5e-4;

    public static RunSpec Create(bool quick, int seed, string experiment, string objective, string rmInit, string sftData, string pairData) => new()
    {
        Name = $"demo-{objective}",
        Experiment = experiment,
        Seed = seed,
        Task = new TaskSpec { Kind = "synthetic-length", TargetLength = 12 },
        Policy = new PolicySpec
        {
            Model = new ModelSpec { Layers = 2, Dim = 64, Heads = 4, MaxSeqLen = 64 },
            Sft = new SftSpec { Data = sftData, Steps = quick ? 150 : 400, BatchSize = 32, LearningRate = 3e-3 },
        },
        RewardModel = new RewardModelSpec
        {
            Name = objective,
            Objective = objective,
            Init = rmInit,
            Data = pairData,
            Model = new ModelSpec { Layers = 2, Dim = 64, Heads = 4, MaxSeqLen = 64 },
            Epochs = 1,
            BatchSize = 32,
            LearningRate = 1e-3,
        },
        Rl = new RlSpec
        {
            Steps = RlSteps, PromptsPerStep = 16, SamplesPerPrompt = 4, KlCoef = KlCoef,
            LearningRate = RlLearningRate, ClipRange = 0.2, MaxNewTokens = MaxNewTokens, Temperature = 1.0,
        },
        Evaluation = new EvaluationSpec { Prompts = quick ? 64 : 128, MaxNewTokens = MaxNewTokens, BestOfN = BestOfN, BestOfNPrompts = BestOfNPrompts },
    };
}
