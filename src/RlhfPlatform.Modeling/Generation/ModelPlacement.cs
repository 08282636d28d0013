using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>The dtype and device a model's weights live on (caches and buffers follow them).</summary>
public static class ModelPlacement
{
    public static (ScalarType Dtype, Device Device) Of(ILanguageModel model)
    {
        var module = model as nn.Module ?? (model as Lora.IModelView)?.Model
            ?? throw new ArgumentException($"{model.GetType().Name} is neither a module nor a view of one");
        var first = module.parameters().First();
        return (first.dtype, first.device);
    }

    /// <summary>The device a module's weights are on: where the tensors it is given must be.</summary>
    public static Device DeviceOf(nn.Module model) => model.parameters().First().device;
}
