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
        "tokens = batch·seq_len; the second term is attention scores and weighted values (forward 4·seq_len·hidden per token and layer, backward twice that); " +
        "LoRA rows: 4·N·tokens + 6·N_adapters·tokens + the attention term, since frozen weights need no weight gradients";

    /// <summary>The rank of the LoRA rows: adapters on all seven projections, the GRM paper's target set.</summary>
    public const int LoraRank = 16;

    /// <summary>Every size as fp32, as bf16 (fp32 master weights and moments), and as LoRA on an fp32 base.</summary>
    public static readonly string[] Variants = ["fp32", "bf16", $"lora-r{LoraRank}"];

    public static TrainStepReport Run(IReadOnlyList<TrainSize> sizes, int steps, GemmReport gemm, Device device)
    {
        var results = new List<TrainSizeResult>();
        foreach (var size in sizes)
            foreach (string variant in Variants)
                results.Add(RunOne(size, variant, steps, gemm, device));
        return new TrainStepReport(FlopFormula, results);
    }

    static TrainSizeResult RunOne(TrainSize size, string variant, int steps, GemmReport gemm, Device device)
    {
        var config = BenchmarkPlan.ConfigFor(size, size.SequenceLength);
        manual_seed(1);
        using var model = new CausalLm(config);
        model.to(device);
        bool bf16 = variant == "bf16", lora = variant.StartsWith("lora", StringComparison.Ordinal);
        if (bf16) ModelPrecision.Cast(model, ScalarType.BFloat16);
        long parameters = model.parameters().Sum(p => p.numel());
        if (lora) Lora.LoraModel.Attach(model, new Lora.LoraOptions { Rank = LoraRank, Alpha = 2 * LoraRank }, seed: 1);
        model.train();
        var trainable = model.parameters().Where(p => p.requires_grad).ToArray();
        using var optimizer = new AdamW(trainable, 1e-4);
        var generator = new Generator(1, device);

        long matmulParameters = parameters - (long)config.VocabSize * config.HiddenSize;
        long adapterParameters = lora ? trainable.Sum(p => p.numel()) : 0;
        long tokens = (long)size.Batch * size.SequenceLength;
        double attention = 12.0 * config.NumLayers * size.SequenceLength * config.HiddenSize * tokens;
        double flops = lora
            ? 4.0 * matmulParameters * tokens + 6.0 * adapterParameters * tokens + attention
            : 6.0 * matmulParameters * tokens + attention;

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
        double samePrecisionPeak = bf16 ? gemm.Bf16PeakGflopsPerSecond : gemm.PeakGflopsPerSecond;
        return new TrainSizeResult(size.Name, parameters, matmulParameters, size.Batch, size.SequenceLength, best, stepSeconds.Average(),
            tokens / best, flops / 1e9, achieved, achieved / gemm.PeakGflopsPerSecond,
            variant, trainable.Sum(p => p.numel()), achieved / samePrecisionPeak);
    }

    static void Step(CausalLm model, AdamW optimizer, TrainSize size, Generator generator, Device device)
    {
        using var scope = NewDisposeScope();
        var ids = randint(0, size.Vocab, [size.Batch, size.SequenceLength + 1], generator: generator, device: device);
        var inputs = ids.narrow(1, 0, size.SequenceLength);
        var targets = ids.narrow(1, 1, size.SequenceLength);
        var logits = model.forward(inputs);
        if (logits.dtype != ScalarType.Float32) logits = logits.to_type(ScalarType.Float32); // the loss in fp32, as training does
        var loss = nn.functional.cross_entropy(logits.reshape(-1, size.Vocab), targets.reshape(-1));
        optimizer.ZeroGrad();
        loss.backward();
        optimizer.Step();
    }
}
