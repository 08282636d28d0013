using System.Diagnostics;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Modeling.Optimization;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Memory;

/// <summary>What one training step really held, in tensor bytes (<see cref="NativeHeap"/>), and how long it took.</summary>
/// <param name="StateBytes">weights, gradients and AdamW moments, after warm-up steps</param>
/// <param name="ActivationBytes">held after the forward, before the backward, above the state</param>
/// <param name="LeftAfterStepBytes">held after the timed steps' scopes closed, above what was held before them (a leak would grow it)</param>
/// <param name="BestSecondsPerStep">the fastest of the timed steps</param>
public sealed record MeasuredTrainingMemory(long StateBytes, long ActivationBytes, long LeftAfterStepBytes, double BestSecondsPerStep);

/// <summary>Which model a measured step trains, with which loss.</summary>
public enum ProbeModel
{
    /// <summary>CausalLm, next-token log-likelihood of every position (log-softmax in fp32).</summary>
    CausalLm,
    /// <summary>RewardModel, Bradley-Terry loss over batch/2 pairs (rows 2i and 2i+1), no LM head.</summary>
    RewardModel,
}

/// <summary>
/// Trains a freshly initialised model on random full-length rows with AdamW and samples the native
/// heap: after two warm-up steps (so gradients and moments exist and the allocator's caches settle),
/// after each timed step's forward, after the steps, and once the model and optimizer are disposed.
/// </summary>
public static class TrainingMemoryProbe
{
    public static MeasuredTrainingMemory Measure(ProbeModel kind, ModelConfig config, ScalarType dtype, int batch, int sequenceLength,
        bool gradientCheckpointing, int timedSteps = 1, Device? device = null)
    {
        device ??= CPU;
        using var ids = randint(3, config.VocabSize, [batch, sequenceLength], generator: new Generator(7), device: device);
        using var ones = ones_like(ids);
        using var responseMask = ones.to_type(ScalarType.Float32);
        manual_seed(1);
        var model = kind == ProbeModel.CausalLm ? (nn.Module)new CausalLm(config) : new RewardModel(config);
        var optimizer = default(AdamW);
        try
        {
            model.to(dtype).to(device).train();
            var backbone = model is CausalLm lm ? lm.Backbone : ((RewardModel)model).Backbone;
            backbone.GradientCheckpointing = gradientCheckpointing;
            optimizer = new AdamW(model.parameters(), 1e-4);
            for (int i = 0; i < 2; i++) Step(model, optimizer, ids, ones, responseMask, null);
            Settle();
            long withState = NativeHeap.AllocatedBytes();
            long activations = 0;
            double best = double.MaxValue;
            for (int i = 0; i < timedSteps; i++)
            {
                var clock = Stopwatch.StartNew();
                Step(model, optimizer, ids, ones, responseMask, () => activations = NativeHeap.AllocatedBytes() - withState);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }
            Settle();
            long left = NativeHeap.AllocatedBytes() - withState;
            // The state is what disposing the model and optimizer gives back: libtorch's and the BLAS library's
            // own caches, which come and go with shapes, are in both samples and cancel out.
            optimizer.Dispose();
            optimizer = null;
            model.Dispose();
            Settle();
            long state = withState + left - NativeHeap.AllocatedBytes();
            return new MeasuredTrainingMemory(state, activations, left, best);
        }
        finally
        {
            optimizer?.Dispose();
            model.Dispose();
        }
    }

    static void Step(nn.Module model, AdamW optimizer, Tensor ids, Tensor ones, Tensor responseMask, Action? afterForward)
    {
        using var scope = NewDisposeScope();
        optimizer.ZeroGrad();
        var loss = Loss(model, ids, ones, responseMask);
        afterForward?.Invoke();
        loss.backward();
        optimizer.Step();
    }

    /// <summary>As the trainers compute it: intermediates (the logits among them) are freed before the backward.</summary>
    static Tensor Loss(nn.Module model, Tensor ids, Tensor ones, Tensor responseMask)
    {
        using var scope = NewDisposeScope();
        if (model is CausalLm lm)
            return ResponseLogProbs.FromLogits(lm.Logits(ids, ones, null), ids, responseMask).mean().neg().MoveToOuterDisposeScope();
        var rewards = ((RewardModel)model).Rewards(ids, ones).Rewards.view(-1, 2);
        var margin = rewards.select(1, 0).sub(rewards.select(1, 1));
        return nn.functional.logsigmoid(margin).mean().neg().MoveToOuterDisposeScope();
    }

    // Tensors whose managed wrappers are garbage (none should be) release their native memory before a sample.
    static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
}
