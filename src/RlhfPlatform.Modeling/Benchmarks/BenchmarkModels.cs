using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>Randomly initialised models and prompts for the decode benchmarks (speed does not depend on the weights).</summary>
static class BenchmarkModels
{
    public static CausalLm Policy(TrainSize shape, int maxPositions, Device device)
    {
        manual_seed(1);
        var model = new CausalLm(BenchmarkPlan.ConfigFor(shape, maxPositions)).to(device);
        model.eval();
        return model;
    }

    /// <summary>BOS then random ids above the special tokens (0-2).</summary>
    public static int[] Prompt(int length, int vocab, int seed)
    {
        var random = new Random(seed);
        return [0, .. Enumerable.Range(1, length - 1).Select(_ => random.Next(3, vocab))];
    }
}
