using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Generation;

/// <summary>The dtype and device a model's weights live on (caches and buffers follow them).</summary>
public static class ModelPlacement
{
    public static (ScalarType Dtype, Device Device) Of(ILanguageModel model)
    {
        var first = ((nn.Module)model).parameters().First();
        return (first.dtype, first.device);
    }

    /// <summary>The device a module's weights are on: where the tensors it is given must be.</summary>
    public static Device DeviceOf(nn.Module model) => model.parameters().First().device;
}
