using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>
/// Per-token quantities of the response tokens from one forward's logits, laid out [B, T] like
/// <see cref="SequenceBatch.ResponseMask"/> (the value at position t belongs to token t; zero elsewhere):
///   log π(y_t | x, y_&lt;t) and the entropy H_t = -Σ_v p_v log p_v of the distribution y_t was drawn from,
/// both at the sampling temperature (logits / T).
/// </summary>
public static class TokenOutputs
{
    public static (Tensor LogProbs, Tensor Entropy) FromLogits(Tensor logits, Tensor inputIds, Tensor responseMask, double temperature)
    {
        using var scope = NewDisposeScope();
        if (temperature != 1.0) logits = logits.DividedBy(temperature);
        long t = inputIds.shape[1];
        // logits at t-1 predict token t.
        var logProbs = logits.narrow(1, 0, t - 1).log_softmax(-1);
        var next = inputIds.narrow(1, 1, t - 1).unsqueeze(-1);
        var tokenLogProbs = logProbs.gather(-1, next).squeeze(-1);
        var entropy = -(logProbs.exp() * logProbs).sum(-1);
        var mask = responseMask.narrow(1, 1, t - 1);
        var shiftedLogProbs = nn.functional.pad(tokenLogProbs * mask, [1, 0]);
        var shiftedEntropy = nn.functional.pad(entropy * mask, [1, 0]);
        return (shiftedLogProbs.MoveToOuterDisposeScope(), shiftedEntropy.MoveToOuterDisposeScope());
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
