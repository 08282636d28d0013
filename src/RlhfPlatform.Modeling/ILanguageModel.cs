using static TorchSharp.torch;

namespace RlhfPlatform.Modeling;

/// <summary>Anything that gives next-token logits: the policy, its reference, GRM's reward model.</summary>
public interface ILanguageModel
{
    ModelConfig Config { get; }

    /// <summary>[B, T, V]. <paramref name="attentionMask"/> covers cached and new positions.</summary>
    Tensor Logits(Tensor inputIds, Tensor attentionMask, Layers.KvCache? cache);
}
