using RlhfPlatform.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpoints;

public sealed class ModelConfigFileTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-config-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    ModelConfig Read(string json)
    {
        HfFolders.WriteConfig(folder, json);
        return ModelConfigFile.Read(folder);
    }

    const string LlamaFields = """
        "hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 4, "num_hidden_layers": 1,
        "num_key_value_heads": 1, "max_position_embeddings": 32, "vocab_size": 50, "rms_norm_eps": 1e-5,
        "bos_token_id": 1, "eos_token_id": 2
        """;

    [Fact]
    public void UnsupportedArchitectureIsNamedWithTheSupportedOnes()
    {
        HfFolders.WriteConfig(folder, """{ "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": 50257 }""");
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("GPT2LMHeadModel", error.Message);
        Assert.Contains("gpt2", error.Message);
        Assert.Contains("LlamaForCausalLM", error.Message);
        Assert.Contains("Qwen2ForCausalLM", error.Message);
        Assert.Contains("MistralForCausalLM", error.Message);
    }

    [Fact]
    public void LlamaWithAttentionAndMlpBiasHasBiasOnEveryProjection()
    {
        var config = Read($$"""{ "architectures": ["LlamaForCausalLM"], "model_type": "llama", "attention_bias": true, "mlp_bias": true, {{LlamaFields}} }""");
        using var model = new CausalLm(config);
        var names = model.state_dict().Keys;
        foreach (string projection in new[] { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj" })
            Assert.Contains($"model.layers.0.{projection}.bias", names);
        Assert.Equal(2, config.PadTokenId);
    }

    [Fact]
    public void MistralWithExplicitHeadDimRuns()
    {
        var config = Read($$"""{ "architectures": ["MistralForCausalLM"], "model_type": "mistral", "head_dim": 16, "sliding_window": 4096, "rope_theta": 1000000.0, {{LlamaFields}} }""");
        Assert.Equal(16, config.HeadDim);
        Assert.Equal(1_000_000.0, config.RopeTheta);
        using var model = new CausalLm(config);
        Assert.Equal([64L, 32L], model.state_dict()["model.layers.0.self_attn.q_proj.weight"].shape);
        Assert.Equal([16L, 32L], model.state_dict()["model.layers.0.self_attn.k_proj.weight"].shape);
        using var ids = tensor(new long[] { 1, 4, 9 }).unsqueeze(0);
        using var logits = model.forward(ids);
        Assert.Equal([1L, 3L, 50L], logits.shape);
    }

    [Fact]
    public void ArchitectureAndModelTypeMustAgree()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            Read($$"""{ "architectures": ["LlamaForCausalLM"], "model_type": "qwen2", {{LlamaFields}} }"""));
        Assert.Contains("does not match model_type qwen2", error.Message);
    }

    [Fact]
    public void RopeScalingIsRejectedRatherThanIgnored()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            Read($$"""{ "architectures": ["LlamaForCausalLM"], "model_type": "llama", "rope_scaling": { "rope_type": "llama3", "factor": 8.0 }, {{LlamaFields}} }"""));
        Assert.Contains("rope_scaling of type 'llama3'", error.Message);
    }

    [Fact]
    public void SavedConfigReadsBackEqual()
    {
        var config = TinyModels.Config() with { EosTokenIds = [257, 3], ExplicitHeadDim = 8 };
        ModelConfigFile.Write(config, folder);
        var back = ModelConfigFile.Read(folder);
        Assert.Equal(config.EosTokenIds, back.EosTokenIds);
        Assert.Equal(config with { EosTokenIds = back.EosTokenIds, Architectures = back.Architectures }, back);
    }
}
