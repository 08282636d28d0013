using RlhfPlatform.Modeling.Lora;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Lora;

/// <summary>Tiny models for the LoRA tests and the helpers they share.</summary>
static class LoraModels
{
    public static readonly LoraOptions AllSeven = new() { Rank = 4, Alpha = 8 };

    public static RewardModel RewardModel(int seed = 2)
    {
        manual_seed(seed);
        return new RewardModel(TinyModels.Config(rewardHead: "linear"));
    }

    /// <summary>Gives every B a non-zero value so the adapters change the model.</summary>
    public static void RandomizeB(nn.Module model, double std = 0.1)
    {
        using var noGrad = no_grad();
        foreach (var (_, projection) in LoraModel.Adapted(model))
        {
            using var noise = randn_like(projection.Adapter!.B.weight!);
            projection.Adapter.B.weight!.copy_(noise.mul(std));
        }
    }

    public static Tensor Ids() => tensor(new long[] { 256, 97, 98, 99, 100, 101 }).unsqueeze(0);

    public static Tensor Logits(CausalLm model)
    {
        using var ids = Ids();
        using var noGrad = no_grad();
        return model.forward(ids);
    }

    public static Tensor Rewards(RewardModel model)
    {
        using var ids = tensor(new long[] { 256, 97, 98, 99, 100, 101, 256, 98, 97, 99, 100, 257 }).view(2, 6);
        using var noGrad = no_grad();
        return model.forward(ids);
    }

    /// <summary>
    /// A new model of the same type and config holding a copy of <paramref name="source"/>'s base weights (test classes
    /// run in parallel and share torch's global generator, so "the same seed" does not give the same weights).
    /// </summary>
    public static T CopyOf<T>(T source, Func<ModelConfig, T> create) where T : nn.Module
    {
        var copy = create(((ILanguageModel)source).Config);
        var from = source.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in copy.state_dict()) tensor.copy_(from[name]);
        return copy;
    }

    public static Dictionary<string, Tensor> Snapshot(nn.Module model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
}
