using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>
/// Prompt + response rows, right-padded, for one batched forward (training, log-probs, rewards).
/// ResponseMask[b, t] is 1 where token t belongs to row b's response.
/// </summary>
public sealed class SequenceBatch : IDisposable
{
    SequenceBatch(Tensor inputIds, Tensor attentionMask, Tensor responseMask)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        ResponseMask = responseMask;
    }

    public Tensor InputIds { get; }
    public Tensor AttentionMask { get; }
    public Tensor ResponseMask { get; }

    /// <summary>Rows for <paramref name="model"/>: padded with its pad id, on the device its weights are on.</summary>
    public static SequenceBatch For(ILanguageModel model, IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses) =>
        Build(prompts, responses, model.Config.PadTokenId, ModelPlacement.Of(model).Device);

    public static SequenceBatch Build(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses, int padId, Device? device = null)
    {
        if (prompts.Count != responses.Count)
            throw new ArgumentException($"{prompts.Count} prompts but {responses.Count} responses");
        int rows = prompts.Count;
        int width = Enumerable.Range(0, rows).Max(i => prompts[i].Length + responses[i].Length);
        var ids = new long[rows * width];
        var attention = new long[rows * width];
        var response = new float[rows * width];
        Array.Fill(ids, padId);
        for (int r = 0; r < rows; r++)
        {
            int offset = r * width, p = prompts[r].Length;
            for (int i = 0; i < p; i++) { ids[offset + i] = prompts[r][i]; attention[offset + i] = 1; }
            for (int i = 0; i < responses[r].Length; i++)
            {
                ids[offset + p + i] = responses[r][i];
                attention[offset + p + i] = 1;
                response[offset + p + i] = 1;
            }
        }
        device ??= CPU;
        return new SequenceBatch(
            tensor(ids, [rows, width], device: device),
            tensor(attention, [rows, width], device: device),
            tensor(response, [rows, width], device: device));
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        ResponseMask.Dispose();
    }
}
