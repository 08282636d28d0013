using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Picks the next token from last-position logits [B, V]: greedy, or temperature + top-k + top-p sampling.
/// Greedy takes the argmax, which no temperature changes; its log-probs are still taken under
/// softmax(logits / T), so that a greedy rollout's log-probs and its reference's (computed at the
/// rollout's temperature) are of the same distribution.
/// A sample is drawn either from one generator for the whole batch (multinomial), or by inverting each
/// row's CDF at that row's own uniform draw, so that a row's tokens do not depend on which other rows
/// share its batch (rollouts sharded over several generators equal one generator's).
/// </summary>
public static class TokenSampler
{
    /// <returns>next token ids [B] and their log-probabilities under softmax(logits / T) [B], in fp32 (or wider)</returns>
    public static (Tensor Tokens, Tensor LogProbs) Next(Tensor logits, GenerationOptions options, Generator rng) =>
        Next(logits, options, filtered => multinomial(filtered.softmax(-1), 1, replacement: false, generator: rng).squeeze(-1));

    /// <param name="uniforms">[B] draws in [0, 1), one per row</param>
    public static (Tensor Tokens, Tensor LogProbs) Next(Tensor logits, GenerationOptions options, Tensor uniforms) =>
        Next(logits, options, filtered => InverseCdf(filtered.softmax(-1), uniforms));

    static (Tensor Tokens, Tensor LogProbs) Next(Tensor logits, GenerationOptions options, Func<Tensor, Tensor> sample)
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
            tokens = sample(Filter(scaled, options.TopK, options.TopP));
        }
        var chosen = logProbs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The first token whose cumulative probability exceeds u·total: token i with probability p_i is
    /// taken for u in [c_{i-1}, c_i), so filtered-out tokens (p = 0, an empty interval) never are.
    /// </summary>
    static Tensor InverseCdf(Tensor probs, Tensor uniforms)
    {
        var cdf = probs.cumsum(-1);
        var threshold = uniforms.to(cdf.dtype, cdf.device).unsqueeze(-1).mul(cdf.narrow(-1, cdf.shape[^1] - 1, 1));
        using var last = (cdf.shape[^1] - 1).ToScalar();
        return cdf.le(threshold).sum(-1, type: ScalarType.Int64).clamp_max(last);
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
