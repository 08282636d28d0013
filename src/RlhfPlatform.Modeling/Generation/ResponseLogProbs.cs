using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>Log-probabilities of given responses under a model, in one batched forward.</summary>
public static class ResponseLogProbs
{
    /// <summary>
    /// Per-token log π(y_t | x, y_&lt;t) of the response tokens, [B, T] (zero outside responses), with the
    /// logits divided by <paramref name="temperature"/> as during sampling. Keeps the autograd graph.
    /// </summary>
    public static Tensor PerToken(ILanguageModel model, SequenceBatch batch, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        var logits = model.Logits(batch.InputIds, batch.AttentionMask, null);
        using var temperatureScalar = temperature.ToScalar();
        if (temperature != 1.0) logits = logits / temperatureScalar;
        long t = batch.InputIds.shape[1];
        // logits at t-1 predict token t.
        var logProbs = logits.narrow(1, 0, t - 1).log_softmax(-1);
        var next = batch.InputIds.narrow(1, 1, t - 1).unsqueeze(-1);
        var tokenLogProbs = logProbs.gather(-1, next).squeeze(-1);
        var mask = batch.ResponseMask.narrow(1, 1, t - 1);
        var shifted = nn.functional.pad(tokenLogProbs * mask, [1, 0]);
        return shifted.MoveToOuterDisposeScope();
    }

    /// <summary>Σ_t log π(y_t | ...) per row, [B].</summary>
    public static Tensor Sum(ILanguageModel model, SequenceBatch batch, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        return PerToken(model, batch, temperature).sum(1).MoveToOuterDisposeScope();
    }
}
