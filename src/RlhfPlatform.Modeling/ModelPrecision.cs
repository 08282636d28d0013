using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling;

/// <summary>
/// Puts a model in a precision for training or inference. The decoder and LM head take the given
/// dtype; scalar heads (the reward model's score, PPO's value head) stay fp32, as do the losses and
/// the log-softmax computed from them (see <see cref="LogitPrecision"/>): they are small, and a reward
/// rounded to bf16's 8 bits of mantissa would blur the very differences the objectives compare.
/// </summary>
public static class ModelPrecision
{
    public static T Cast<T>(T model, ScalarType dtype) where T : nn.Module
    {
        model.to(dtype);
        if (dtype is ScalarType.BFloat16 or ScalarType.Float16)
            foreach (var head in Float32Heads(model)) head.to(ScalarType.Float32);
        return model;
    }

    /// <summary>The dtype of the model's decoder (its token embedding).</summary>
    public static ScalarType Of(nn.Module model) =>
        model.parameters().FirstOrDefault()?.dtype ?? ScalarType.Float32;

    static IEnumerable<nn.Module> Float32Heads(nn.Module model) => model.named_modules()
        .Where(m => m.name == RewardModel.HeadName || m.module is ValueHead)
        .Select(m => m.module);

    /// <summary><paramref name="input"/> in the dtype of <paramref name="head"/>'s parameters, so an fp32 head reads bf16 hidden states.</summary>
    public static Tensor ForHead(Tensor input, nn.Module head)
    {
        var dtype = head.parameters().First().dtype;
        return input.dtype == dtype ? input.alias() : input.to_type(dtype);
    }
}
