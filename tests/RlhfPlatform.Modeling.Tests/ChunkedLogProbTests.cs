using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests;

/// <summary>Memory-bounded inference: reference log-probs in row chunks, and the last position's logits alone when decoding.</summary>
public class ChunkedLogProbTests
{
    [Fact]
    public void LogProbSumsInRowChunksEqualOneForward()
    {
        using var model = TinyModels.Policy(seed: 8);
        model.eval();
        var prompts = new[] { TinyModels.Prompt("ab"), TinyModels.Prompt("cdef"), TinyModels.Prompt("g"), TinyModels.Prompt("hij"), TinyModels.Prompt("k") };
        var responses = prompts.Select((_, i) => TinyModels.Tokenizer.Encode(new string('x', 1 + i) + "yz")).ToArray();
        using var batch = SequenceBatch.For(model, prompts, responses);
        using var whole = ResponseLogProbs.Sum(model, batch);
        long rowBytes = batch.InputIds.shape[1] * model.Config.VocabSize * 4;
        using var chunked = ResponseLogProbs.SumInChunks(model, batch, maxChunkLogitBytes: 2 * rowBytes); // chunks of 2, 2, 1 rows
        Assert.Equal(whole.shape, chunked.shape);
        Assert.True((whole - chunked).abs().max().item<float>() < 1e-5, "chunked log-prob sums differ from one forward");
    }

    [Fact]
    public void LastLogitsAreTheLastPositionOfTheFullLogits()
    {
        using var model = TinyModels.Policy(seed: 9);
        model.eval();
        using var ids = tensor(new long[,] { { 1, 5, 6, 7, 8 }, { 1, 9, 10, 11, 12 } });
        using var mask = ones_like(ids);
        using var full = model.Logits(ids, mask, null);
        using var last = model.LastLogits(ids, mask, null);
        Assert.Equal([2L, model.Config.VocabSize], last.shape);
        Assert.True((full.select(1, -1) - last).abs().max().item<float>() < 1e-5);
    }
}
