using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling;

/// <summary>HF Llama's initialisation: N(0, 0.02) for linear and embedding weights, zero biases, norms at one.</summary>
public static class WeightInit
{
    public const double Std = 0.02;

    public static void Apply(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (_, child) in module.named_modules())
        {
            switch (child)
            {
                case Linear linear:
                    nn.init.normal_(linear.weight, 0, Std);
                    if (linear.bias is not null) nn.init.zeros_(linear.bias);
                    break;
                case Layers.Projection projection:
                    nn.init.normal_(projection.Weight, 0, Std);
                    if (projection.Bias is not null) nn.init.zeros_(projection.Bias);
                    break;
                case Embedding embedding:
                    nn.init.normal_(embedding.weight, 0, Std);
                    break;
            }
        }
    }
}
