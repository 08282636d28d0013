using RlhfPlatform.Modeling.Lora;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Lora;

public class LoraAttachTests
{
    [Fact]
    public void WithoutAnAdapterTheStateHasExactlyTheHfNames()
    {
        using var model = TinyModels.Policy();
        var before = model.state_dict().Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", before);
        Assert.DoesNotContain(before, k => k.Contains("lora"));

        LoraModel.Attach(model, LoraModels.AllSeven);
        var attached = model.state_dict().Keys.ToList();
        Assert.Contains("model.layers.1.mlp.down_proj.lora_A.weight", attached);
        Assert.Contains("model.layers.0.self_attn.q_proj.lora_B.weight", attached);
        Assert.Equal(before.Count + 2 * 7 * 2, attached.Count);

        LoraModel.Merge(model);
        Assert.Equal(before, model.state_dict().Keys.Order(StringComparer.Ordinal).ToList());
        Assert.False(LoraModel.HasAdapters(model));
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void WithBZeroTheAdaptedLogitsAreTheBaseLogitsExactly()
    {
        using var model = TinyModels.Policy();
        using var baseLogits = LoraModels.Logits(model);
        LoraModel.Attach(model, LoraModels.AllSeven with { Dropout = 0.1 }, seed: 3);
        model.eval();
        using var adapted = LoraModels.Logits(model);
        Assert.True(adapted.eq(baseLogits).all().item<bool>(), "a fresh adapter (B = 0) changed the logits");
        Assert.All(LoraModel.Adapted(model), a => Assert.True(a.Projection.Adapter!.A.weight!.abs().max().item<float>() > 0));
    }

    [Fact]
    public void DisabledAdaptersGiveTheBaseLogitsExactly()
    {
        using var model = TinyModels.Policy();
        using var baseLogits = LoraModels.Logits(model);
        LoraModel.Attach(model, LoraModels.AllSeven, seed: 3);
        LoraModels.RandomizeB(model);
        using var adapted = LoraModels.Logits(model);
        Assert.False(adapted.allclose(baseLogits, 1e-3, 1e-3), "the adapters do not change the logits: the test would prove nothing");
        using (LoraModel.Disabled(model))
        using (var disabled = LoraModels.Logits(model))
            Assert.True(disabled.eq(baseLogits).all().item<bool>(), "disabled adapters still change the logits");
        using var again = LoraModels.Logits(model);
        Assert.True(again.eq(adapted).all().item<bool>(), "the adapters did not come back on after the disabled scope");
    }

    [Fact]
    public void AttachFreezesTheBaseButTheRewardHead()
    {
        using var model = LoraModels.RewardModel();
        LoraModel.Attach(model, LoraModels.AllSeven);
        var trainable = LoraModel.TrainableParameters(model).Select(p => p.Name).ToList();
        Assert.Contains("score.weight", trainable);
        Assert.All(trainable, n => Assert.True(n == "score.weight" || n.EndsWith(".lora_A.weight") || n.EndsWith(".lora_B.weight"), n));
        Assert.All(model.named_parameters().Where(p => !trainable.Contains(p.name)), p => Assert.False(p.parameter.requires_grad, p.name));
    }

    [Fact]
    public void TrainableParameterCountIsTheHandComputedSum()
    {
        // TinyModels: hidden 32, 4 heads of 8 with 2 KV heads (k, v out 16), SwiGLU width 88, 2 layers.
        // Per layer r·(in + out): q 32+32, k 32+16, v 32+16, o 32+32, gate 32+88, up 32+88, down 88+32 = 584·r.
        const int r = 4, perLayer = 584 * r, layers = 2, scoreHead = 32;
        using var policy = TinyModels.Policy();
        LoraModel.Attach(policy, LoraModels.AllSeven);
        Assert.Equal(layers * perLayer, LoraModel.TrainableParameters(policy).Sum(p => p.Parameter.numel()));

        using var rewardModel = LoraModels.RewardModel();
        LoraModel.Attach(rewardModel, LoraModels.AllSeven);
        Assert.Equal(layers * perLayer + scoreHead, LoraModel.TrainableParameters(rewardModel).Sum(p => p.Parameter.numel()));

        using var qv = TinyModels.Policy();
        LoraModel.Attach(qv, new LoraOptions { Rank = 2, TargetModules = ["q_proj", "v_proj"] });
        Assert.Equal(layers * 2 * ((32 + 32) + (32 + 16)), LoraModel.TrainableParameters(qv).Sum(p => p.Parameter.numel()));
    }

    [Theory]
    [InlineData(0, 8, 0.0, "q_proj", "rank (r) must be at least 1 (got 0)")]
    [InlineData(4, 0, 0.0, "q_proj", "alpha must be a positive number (got 0)")]
    [InlineData(4, 8, 1.0, "q_proj", "dropout must be in [0, 1) (got 1)")]
    [InlineData(4, 8, -0.1, "q_proj", "dropout must be in [0, 1) (got -0.1)")]
    [InlineData(4, 8, 0.0, "qkv_proj", "unknown target module 'qkv_proj' (allowed: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)")]
    public void BadOptionsAreRefusedByName(int rank, double alpha, double dropout, string module, string message)
    {
        var options = new LoraOptions { Rank = rank, Alpha = alpha, Dropout = dropout, TargetModules = [module] };
        var error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains(message, error.Message);
    }
}
