using static TorchSharp.torch;

namespace RlhfPlatform.Training.Rl;

/// <summary>A slice of a minibatch's rows run through one forward and backward; its rows span <see cref="Width"/> columns of the right-padded batch.</summary>
public sealed record MicroBatch(long[] Rows, int Width);

/// <summary>
/// Splits a minibatch into micro-batches whose padded size (rows × longest row) stays within a token
/// budget, so activation memory is bounded by the budget rather than by the minibatch. Gradients of
/// the micro-batches add up to the minibatch's (each loss weighted by its share), and the optimizer
/// steps once per minibatch, so the update is the same whatever the budget. Rows keep their order; a
/// single row longer than the budget runs alone.
/// </summary>
public static class MicroBatches
{
    /// <param name="lengths">prompt + response tokens of every row of the batch</param>
    /// <param name="tokenBudget">null: the whole minibatch at the batch's full width, as without micro-batching</param>
    public static IReadOnlyList<MicroBatch> Split(long[] rows, IReadOnlyList<int> lengths, int batchWidth, long? tokenBudget)
    {
        if (tokenBudget is null) return [new MicroBatch(rows, batchWidth)];
        if (tokenBudget < 1) throw new ArgumentException($"the micro-batch token budget must be at least 1 (got {tokenBudget})");
        var result = new List<MicroBatch>();
        var current = new List<long>();
        int width = 0;
        foreach (long row in rows)
        {
            int wider = Math.Max(width, lengths[(int)row]);
            if (current.Count > 0 && (long)(current.Count + 1) * wider > tokenBudget)
            {
                result.Add(new MicroBatch([.. current], width));
                current.Clear();
                wider = lengths[(int)row];
            }
            current.Add(row);
            width = wider;
        }
        if (current.Count > 0) result.Add(new MicroBatch([.. current], width));
        return result;
    }

    /// <summary>The micro-batch's rows of a [B, T] batch tensor, cut to its width.</summary>
    public static Tensor Slice(this MicroBatch micro, Tensor batchTensor, Tensor index) =>
        micro.Width == batchTensor.shape[1] ? batchTensor.index_select(0, index) : batchTensor.index_select(0, index).narrow(1, 0, micro.Width);
}
