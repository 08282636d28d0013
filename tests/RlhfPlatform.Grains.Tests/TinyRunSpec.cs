using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A run small enough for a test: every stage runs, in seconds.</summary>
static class TinyRunSpec
{
    public static RunSpec Create(string name = "tiny", int rlSteps = 3) => new()
    {
        Name = name,
        Experiment = "tests",
        Seed = 3,
        Task = new TaskSpec { TargetLength = 6 },
        Policy = new PolicySpec
        {
            Model = new ModelSpec { Layers = 1, Dim = 32, Heads = 2, MaxSeqLen = 48 },
            Sft = new SftSpec { Examples = 200, Steps = 12, BatchSize = 16 },
        },
        RewardModel = new RewardModelSpec
        {
            Pairs = 200, Epochs = 1, BatchSize = 32, LabelNoise = 0.25,
            Model = new ModelSpec { Layers = 1, Dim = 32, Heads = 2, MaxSeqLen = 48 },
        },
        Rl = new RlSpec { Steps = rlSteps, PromptsPerStep = 4, SamplesPerPrompt = 2, MaxNewTokens = 12 },
        Evaluation = new EvaluationSpec { Prompts = 16, MaxNewTokens = 12 },
    };
}
