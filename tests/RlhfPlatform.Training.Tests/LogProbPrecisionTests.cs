using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Training.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

/// <summary>fp32 log-softmax for half-precision models, entropy without grad unless it is in the loss, PPO's experience pass freed.</summary>
public class LogProbPrecisionTests
{
    [Fact]
    public void ABf16ModelsTokenLogProbsEqualTheFp32ComputationOfTheSameLogits()
    {
        using var policy = TinyPolicy.Create(5);
        policy.to(ScalarType.BFloat16);
        var prompts = TinyPolicy.Prompts(4);
        int[][] responses = [[70, 71, 72, 0], [80, 81], [90], [100, 101, 102]];
        using var batch = SequenceBatch.Build(prompts, responses, policy.Config.PadTokenId);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var logits = policy.Logits(batch.InputIds, batch.AttentionMask, null);
        Assert.Equal(ScalarType.BFloat16, logits.dtype);

        var (logProbs, entropy) = TokenOutputs.FromLogits(logits, batch.InputIds, batch.ResponseMask, 0.8, entropyGrad: false);
        var (fp32LogProbs, fp32Entropy) = TokenOutputs.FromLogits(logits.to_type(ScalarType.Float32), batch.InputIds, batch.ResponseMask, 0.8, entropyGrad: false);
        Assert.Equal(ScalarType.Float32, logProbs.dtype);
        // Same fp32 ops on the same (exactly widened) logits: equal to float rounding; tolerance 1e-6.
        Assert.True(logProbs.allclose(fp32LogProbs, rtol: 0, atol: 1e-6), "bf16 log-probs differ from fp32");
        Assert.True(entropy.allclose(fp32Entropy, rtol: 0, atol: 1e-6), "bf16 entropy differs from fp32");
        var viaModel = ResponseLogProbs.PerToken(policy, batch, 0.8);
        Assert.Equal(ScalarType.Float32, viaModel.dtype);
        Assert.True(viaModel.allclose(fp32LogProbs, rtol: 0, atol: 1e-6), "ResponseLogProbs on a bf16 model differs from fp32");

        // What the cast prevents: a bf16 log-softmax is off by far more than the tolerance.
        using var t = 0.8.ToScalar();
        var halfLogProbs = ResponseLogProbs.OfTokens(logits.narrow(1, 0, logits.shape[1] - 1).div(t).log_softmax(-1), batch.InputIds, batch.ResponseMask);
        double halfError = halfLogProbs.to_type(ScalarType.Float32).sub(fp32LogProbs).abs().max().item<float>();
        Assert.True(halfError > 1e-3, $"bf16 log-softmax error {halfError} is too small for this test to tell");
    }

    [Fact]
    public void EntropyHasNoGradUnlessItIsInTheLoss()
    {
        using var policy = TinyPolicy.Create(6);
        using var batch = SequenceBatch.Build(TinyPolicy.Prompts(2), [[70, 71], [80]], policy.Config.PadTokenId);
        using var scope = NewDisposeScope();
        var logits = policy.Logits(batch.InputIds, batch.AttentionMask, null);

        var (logProbs, metricEntropy) = TokenOutputs.FromLogits(logits, batch.InputIds, batch.ResponseMask, 1.0, entropyGrad: false);
        Assert.True(logProbs.requires_grad);
        Assert.False(metricEntropy.requires_grad);
        var (_, bonusEntropy) = TokenOutputs.FromLogits(logits, batch.InputIds, batch.ResponseMask, 1.0, entropyGrad: true);
        Assert.True(bonusEntropy.requires_grad);
        Assert.True(metricEntropy.allclose(bonusEntropy.detach()));
    }

    [Fact]
    public void PpoExperienceLeavesOnlyItsThreeResultsAlive()
    {
        using var policy = TinyPolicy.Create(7);
        using var reference = TinyPolicy.Create(7);
        using var trainer = new PpoTrainer(policy, reference, new PpoOptions());
        using var batch = SequenceBatch.Build(TinyPolicy.Prompts(4), [[70, 71, 72], [80], [90, 91], [100]], policy.Config.PadTokenId);
        using var scope = NewDisposeScope();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var (oldLogProbs, refLogProbs, oldValues) = trainer.Experience(batch);
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.Equal(3, after - before);
        Assert.Equal(batch.ResponseMask.shape, oldLogProbs.shape);
        Assert.Equal(batch.ResponseMask.shape, refLogProbs.shape);
        Assert.Equal(batch.ResponseMask.shape, oldValues.shape);
    }
}
