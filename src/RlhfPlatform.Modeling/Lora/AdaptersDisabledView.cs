using RlhfPlatform.Modeling.Layers;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Lora;

/// <summary>A model seen through the weights it shares with another, without a copy of them.</summary>
public interface IModelView
{
    nn.Module Model { get; }
}

/// <summary>
/// The base of an adapted model: its own weights with every adapter switched off for the call. The
/// reference policy of a LoRA run (and GRM-DPO's reference of a LoRA reward model) is this view, so
/// one copy of the base weights serves both.
/// </summary>
public sealed class AdaptersDisabledView<T>(T model) : ILanguageModel, IModelView where T : nn.Module, ILanguageModel
{
    public ModelConfig Config => model.Config;

    public nn.Module Model => model;

    public Tensor Logits(Tensor inputIds, Tensor attentionMask, KvCache? cache)
    {
        using var off = LoraModel.Disabled(model);
        return model.Logits(inputIds, attentionMask, cache);
    }

    public Tensor LastLogits(Tensor inputIds, Tensor attentionMask, KvCache? cache)
    {
        using var off = LoraModel.Disabled(model);
        return model.LastLogits(inputIds, attentionMask, cache);
    }
}
