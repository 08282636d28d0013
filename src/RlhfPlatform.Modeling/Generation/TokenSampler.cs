using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Picks the next token from last-position logits [B, V]: greedy, or temperature + top-k + top-p sampling.
/// Greedy takes the argmax, which no temperature changes; its log-probs are still taken under
/// softmax(logits / T), so that a greedy rollout's log-probs and its reference's (computed at the
/// rollout's temperature) are of the same distribution.
/// </summary>
public static class TokenSampler
{
    /// <returns>next token ids [B] and their log-probabilities under softmax(logits / T) [B], in fp32 (or wider)</returns>
    public static (Tensor Tokens, Tensor LogProbs) Next(Tensor logits, GenerationOptions options, Generator rng)
    {
        using var scope = NewDisposeScope();
        using var temperature = options.Temperature.ToScalar();
        var scaled = LogitPrecision.ForSoftmax(logits).div(temperature);
        var logProbs = scaled.log_softmax(-1);
        Tensor tokens;
        if (options.Greedy)
        {
            tokens = scaled.argmax(-1);
        }
        else
        {
            var filtered = Filter(scaled, options.TopK, options.TopP);
            tokens = multinomial(filtered.softmax(-1), 1, replacement: false, generator: rng).squeeze(-1);
        }
        var chosen = logProbs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
    }

    static Tensor Filter(Tensor logits, int topK, double topP)
    {
        long vocab = logits.shape[^1];
        if (topK > 0 && topK < vocab)
        {
            var kth = logits.topk(topK, dim: -1).values.narrow(-1, topK - 1, 1);
            logits = logits.masked_fill(logits.lt(kth), TorchScalars.NegativeInfinity);
        }
        if (topP < 1.0)
        {
            var (sorted, order) = logits.sort(-1, descending: true);
            var probs = sorted.softmax(-1);
            // Drop a token once the tokens before it already hold top-p of the mass (the first always stays).
            var massBefore = probs.cumsum(-1).sub(probs);
            using var topPScalar = topP.ToScalar();
            var dropSorted = massBefore.gt(topPScalar);
            var drop = zeros_like(dropSorted).scatter(-1, order, dropSorted);
            logits = logits.masked_fill(drop, TorchScalars.NegativeInfinity);
        }
        return logits;
    }
}
