using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Demo;

/// <summary>The run the demo submits: the synthetic length task, sized to finish on two CPU cores.</summary>
public static class DemoSpecs
{
    /// <summary>Reward models the demo compares, in table order.</summary>
    public static readonly string[] FullRewardModels =
        ["bt", "margin", "label-smoothing", "ensemble", "bsr", "grm-sft", "grm-dpo", "grm-dpo-noref"];
    public static readonly string[] QuickRewardModels = ["bt", "bsr", "grm-sft"];

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
            Epochs = quick ? 1 : 2,
            BatchSize = 32,
            LearningRate = 1e-3,
        },
        Rl = new RlSpec
        {
            Steps = quick ? 15 : 60, PromptsPerStep = 16, SamplesPerPrompt = 4, KlCoef = 0.05,
            LearningRate = 3e-4, ClipRange = 0.2, MaxNewTokens = 32, Temperature = 1.0,
        },
        Evaluation = new EvaluationSpec { Prompts = quick ? 64 : 256, MaxNewTokens = 32 },
    };
}
