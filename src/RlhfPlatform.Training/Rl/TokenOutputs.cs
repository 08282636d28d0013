using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// Per-token quantities of the response tokens from one forward's logits, laid out [B, T] like
/// <see cref="SequenceBatch.ResponseMask"/> (the value at position t belongs to token t; zero elsewhere):
///   log π(y_t | x, y_&lt;t) and the entropy H_t = -Σ_v p_v log p_v of the distribution y_t was drawn from,
/// both at the sampling temperature (logits / T) and in fp32 (<see cref="LogitPrecision"/>).
/// </summary>
public static class TokenOutputs
{
    /// <param name="entropyGrad">
    /// false computes the entropy under no_grad: a metric only, so autograd keeps no [B, T, V] graph for it.
    /// True only when an entropy bonus is part of the loss.
    /// </param>
    public static (Tensor LogProbs, Tensor Entropy) FromLogits(Tensor logits, Tensor inputIds, Tensor responseMask, double temperature,
        bool entropyGrad)
    {
        using var scope = NewDisposeScope();
        var logProbs = ResponseLogProbs.NextTokenLogSoftmax(logits, temperature);
        var tokenLogProbs = ResponseLogProbs.OfTokens(logProbs, inputIds, responseMask);
        Tensor entropy;
        using (entropyGrad ? null : no_grad())
        {
            var perPosition = -(logProbs.exp() * logProbs).sum(-1);
            var mask = responseMask.narrow(1, 1, inputIds.shape[1] - 1);
            entropy = nn.functional.pad(perPosition * mask, [1, 0]);
        }
        return (tokenLogProbs.MoveToOuterDisposeScope(), entropy.MoveToOuterDisposeScope());
    }

    /// <summary>Values read at the position before each response token (the state that emits it), [B, T], zero elsewhere.</summary>
    public static Tensor ShiftToTokens(Tensor perPosition, Tensor responseMask)
    {
        using var scope = NewDisposeScope();
        long t = responseMask.shape[1];
        var shifted = nn.functional.pad(perPosition.narrow(1, 0, t - 1), [1, 0]);
        return (shifted * responseMask).MoveToOuterDisposeScope();
    }

    /// <summary>Mean of x over the response tokens of the batch.</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return ((x * mask).sum() / mask.sum().clamp_min(TorchScalars.One)).MoveToOuterDisposeScope();
    }
}
