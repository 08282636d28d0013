using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Log-probabilities of given responses. Per-token values are laid out [B, T] like
/// <see cref="SequenceBatch.ResponseMask"/>: the value at t belongs to token t, zero outside responses.
/// Logits are divided by the temperature, as during sampling, and soft-maxed in fp32 (<see cref="LogitPrecision"/>).
/// </summary>
public static class ResponseLogProbs
{
    /// <summary>Per-token log π(y_t | x, y_&lt;t) under a model, one batched forward. Keeps the autograd graph.</summary>
    public static Tensor PerToken(ILanguageModel model, SequenceBatch batch, double temperature = 1.0) =>
        PerToken(model, batch.InputIds, batch.AttentionMask, batch.ResponseMask, temperature);

    /// <summary>As <see cref="PerToken(ILanguageModel, SequenceBatch, double)"/> for some rows of a batch ([B, T] each).</summary>
    public static Tensor PerToken(ILanguageModel model, Tensor inputIds, Tensor attentionMask, Tensor responseMask, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        var logits = model.Logits(inputIds, attentionMask, null);
        return FromLogits(logits, inputIds, responseMask, temperature).MoveToOuterDisposeScope();
    }

    /// <summary>Σ_t log π(y_t | ...) per row, [B].</summary>
    public static Tensor Sum(ILanguageModel model, SequenceBatch batch, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        return PerToken(model, batch, temperature).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>Bound on the fp32 logits one no-grad forward of <see cref="SumInChunks"/> holds at once.</summary>
    public const long MaxChunkLogitBytes = 512L << 20;

    /// <summary>
    /// <see cref="Sum"/> without gradients, over as many forwards as it takes to keep each one's fp32
    /// logits (rows × T × V × 4 bytes) within <see cref="MaxChunkLogitBytes"/>: 64 rollouts of 1024
    /// tokens over a 152k vocabulary would be 40 GB of logits in one forward. Rows are independent, so
    /// a batch small enough for one chunk is exactly <see cref="Sum"/>.
    /// </summary>
    public static Tensor SumInChunks(ILanguageModel model, SequenceBatch batch, double temperature = 1.0, long maxChunkLogitBytes = MaxChunkLogitBytes)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long rows = batch.InputIds.shape[0];
        long perChunk = RowsPerChunk(batch.InputIds.shape[1], model.Config.VocabSize, maxChunkLogitBytes);
        if (perChunk >= rows) return Sum(model, batch, temperature).MoveToOuterDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < rows; start += perChunk)
        {
            long n = Math.Min(perChunk, rows - start);
            parts.Add(PerToken(model, batch.InputIds.narrow(0, start, n), batch.AttentionMask.narrow(0, start, n),
                batch.ResponseMask.narrow(0, start, n), temperature).sum(1));
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Rows of <paramref name="width"/> tokens whose fp32 logits fit <paramref name="maxChunkLogitBytes"/> (at least one).</summary>
    public static long RowsPerChunk(long width, long vocabSize, long maxChunkLogitBytes = MaxChunkLogitBytes) =>
        Math.Max(1, maxChunkLogitBytes / Math.Max(1, width * vocabSize * sizeof(float)));

    /// <summary>Per-token log-probs [B, T] of the tokens of <paramref name="inputIds"/> from the logits [B, T, V] of one forward over them.</summary>
    public static Tensor FromLogits(Tensor logits, Tensor inputIds, Tensor responseMask, double temperature = 1.0)
    {
        using var scope = NewDisposeScope();
        return OfTokens(NextTokenLogSoftmax(logits, temperature), inputIds, responseMask).MoveToOuterDisposeScope();
    }

    /// <summary>log softmax(logits / T) at positions 0..T-2, [B, T-1, V] in fp32 (or wider): position t-1 predicts token t.</summary>
    public static Tensor NextTokenLogSoftmax(Tensor logits, double temperature)
    {
        using var scope = NewDisposeScope();
        logits = LogitPrecision.ForSoftmax(logits).narrow(1, 0, logits.shape[1] - 1);
        if (temperature != 1.0)
        {
            using var temperatureScalar = temperature.ToScalar();
            logits = logits.div(temperatureScalar);
        }
        return logits.log_softmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>The log-probs of the response tokens picked from <see cref="NextTokenLogSoftmax"/>'s output, [B, T].</summary>
    public static Tensor OfTokens(Tensor nextTokenLogSoftmax, Tensor inputIds, Tensor responseMask)
    {
        using var scope = NewDisposeScope();
        long t = inputIds.shape[1];
        var next = inputIds.narrow(1, 1, t - 1).unsqueeze(-1);
        var tokenLogProbs = nextTokenLogSoftmax.gather(-1, next).squeeze(-1);
        var mask = responseMask.narrow(1, 1, t - 1);
        return nn.functional.pad(tokenLogProbs * mask, [1, 0]).MoveToOuterDisposeScope();
    }
}
