using RlhfPlatform.Modeling.Layers;
using RlhfPlatform.Modeling.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Lora;

/// <summary>Runs alone: the draw-for-draw comparison reads torch's global generator, which parallel tests also draw from.</summary>
[CollectionDefinition(nameof(GlobalGeneratorCollection), DisableParallelization = true)]
public sealed class GlobalGeneratorCollection;

[Collection(nameof(GlobalGeneratorCollection))]
public class ProjectionTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AProjectionDrawsWhatTheLinearItReplacedDrew(bool hasBias)
    {
        // Seeded models must keep the weights they had when the projections were nn.Linear.
        manual_seed(21);
        using var linear = nn.Linear(24, 40, hasBias);
        using var nextAfterLinear = randn(3);
        manual_seed(21);
        using var projection = new Projection(24, 40, hasBias);
        using var nextAfterProjection = randn(3);
        Assert.True(projection.Weight.eq(linear.weight!).all().item<bool>(), "the weights differ");
        if (hasBias) Assert.True(projection.Bias!.eq(linear.bias!).all().item<bool>(), "the biases differ");
        Assert.True(nextAfterProjection.eq(nextAfterLinear).all().item<bool>(), "the generator moved on by a different amount");
        Assert.Equal(linear.state_dict().Keys.Order(), projection.state_dict().Keys.Order());
    }

    [Fact]
    public void AnAdaptedModelConvertsDtypeAdaptersIncluded()
    {
        using var model = TinyModels.Policy();
        LoraModel.Attach(model, LoraModels.AllSeven);
        model.to(ScalarType.Float64);
        Assert.All(model.state_dict(), kv => Assert.Equal(ScalarType.Float64, kv.Value.dtype));
        using var logits = LoraModels.Logits(model);
        Assert.Equal(ScalarType.Float64, logits.dtype);
        Assert.All(LoraModel.Adapted(model), a => Assert.False(a.Projection.Weight.requires_grad));
        Assert.All(LoraModel.TrainableParameters(model), p => Assert.True(p.Name.Contains(".lora_"), p.Name));
    }
}
