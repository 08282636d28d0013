using static TorchSharp.torch;

namespace RlhfPlatform.Modeling;

/// <summary>Anything that gives next-token logits: the policy, its reference, GRM's reward model.</summary>
public interface ILanguageModel
{
    ModelConfig Config { get; }

    /// <summary>[B, T, V]. <paramref name="attentionMask"/> covers cached and new positions.</summary>
    Tensor Logits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache);

    /// <summary>
    /// [B, V]: the logits of the last position only. A decoding step needs no more, and at a prompt's
    /// prefill the full [B, T, V] of a 150k-token vocabulary would be most of the step's memory.
    /// </summary>
    Tensor LastLogits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache)
    {
        using var scope = NewDisposeScope();
        return Logits(inputIds, attentionMask, cache).select(1, -1).MoveToOuterDisposeScope();
    }
}
