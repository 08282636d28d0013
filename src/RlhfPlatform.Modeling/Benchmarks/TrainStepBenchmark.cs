using TorchSharp;
using System.Diagnostics;
using static TorchSharp.torch;
using RlhfPlatform.Modeling.Optimization;

namespace RlhfPlatform.Modeling.Benchmarks;

/// <summary>
/// Forward + backward + AdamW on random next-token data, timed per step after one warm-up step. The
/// figures use the best step, like the GEMM peak they are compared with (on a shared machine the mean
/// mostly measures the neighbours); the mean is reported next to it.
/// </summary>
public static class TrainStepBenchmark
{
    public const string FlopFormula =
        "per step: 6·N·tokens + 12·layers·seq_len·hidden·tokens, N = matmul parameters (all but the input embedding table), " +
        "tokens = batch·seq_len; the second term is attention scores and weighted values (forward 4·seq_len·hidden per token and layer, backward twice that)";

    public static TrainStepReport Run(IReadOnlyList<TrainSize> sizes, int steps, double gemmPeakGflops, Device device)
    {
        var results = new List<TrainSizeResult>();
        foreach (var size in sizes) results.Add(RunOne(size, steps, gemmPeakGflops, device));
        return new TrainStepReport(FlopFormula, results);
    }

    static TrainSizeResult RunOne(TrainSize size, int steps, double gemmPeakGflops, Device device)
    {
        var config = BenchmarkPlan.ConfigFor(size, size.SequenceLength);
        manual_seed(1);
        using var model = new CausalLm(config);
        model.to(device);
        model.train();
        using var optimizer = new AdamW(model.parameters(), 1e-4);
        var generator = new Generator(1, device);

        long parameters = model.parameters().Sum(p => p.numel());
        long matmulParameters = parameters - (long)config.VocabSize * config.HiddenSize;
        long tokens = (long)size.Batch * size.SequenceLength;
        double flops = 6.0 * matmulParameters * tokens + 12.0 * config.NumLayers * size.SequenceLength * config.HiddenSize * tokens;

        Step(model, optimizer, size, generator, device); // warm-up
        var stepSeconds = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            var clock = Stopwatch.StartNew();
            Step(model, optimizer, size, generator, device);
            stepSeconds[i] = clock.Elapsed.TotalSeconds;
        }
        double best = stepSeconds.Min();
        double achieved = flops / best / 1e9;
        return new TrainSizeResult(size.Name, parameters, matmulParameters, size.Batch, size.SequenceLength, best, stepSeconds.Average(),
            tokens / best, flops / 1e9, achieved, achieved / gemmPeakGflops);
    }

    static void Step(CausalLm model, AdamW optimizer, TrainSize size, Generator generator, Device device)
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, size.Vocab, [size.Batch, size.SequenceLength + 1], generator: generator, device: device);
        var inputs = ids.narrow(1, 0, size.SequenceLength);
        var targets = ids.narrow(1, 1, size.SequenceLength);
        var logits = model.forward(inputs);
        var loss = nn.functional.cross_entropy(logits.reshape(-1, size.Vocab), targets.reshape(-1));
        optimizer.ZeroGrad();
        loss.backward();
        optimizer.Step();
    }
}
