using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Generation;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpoints;

/// <summary>A tiny Qwen3-shaped folder (head_dim ≠ hidden/heads, q_norm/k_norm, no q/k/v bias) written by the test.</summary>
public sealed class Qwen3CheckpointTests : IDisposable
{
    // Float32 on CPU: cached and uncached attention sum in different orders.
    const float Tolerance = 1e-4f;

    const string Qwen3Config = """
    {
      "architectures": ["Qwen3ForCausalLM"],
      "model_type": "qwen3",
      "attention_bias": false,
      "attention_dropout": 0.0,
      "bos_token_id": 1,
      "eos_token_id": 2,
      "head_dim": 16,
      "hidden_act": "silu",
      "hidden_size": 32,
      "intermediate_size": 64,
      "max_position_embeddings": 64,
      "max_window_layers": 2,
      "num_attention_heads": 4,
      "num_hidden_layers": 2,
      "num_key_value_heads": 2,
      "rms_norm_eps": 1e-06,
      "rope_scaling": null,
      "rope_theta": 1000000,
      "sliding_window": null,
      "tie_word_embeddings": true,
      "torch_dtype": "float32",
      "use_cache": true,
      "use_sliding_window": false,
      "vocab_size": 40
    }
    """;

    readonly string folder = Directory.CreateTempSubdirectory("rlhf-qwen3-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Writes config.json and model.safetensors: random weights, q_norm/k_norm far from ones so they matter.</summary>
    void WriteFolder(Func<string, Tensor, Tensor>? edit = null)
    {
        HfFolders.WriteConfig(folder, Qwen3Config);
        manual_seed(5);
        using var model = new CausalLm(ModelConfigFile.Read(folder));
        using var noGrad = no_grad();
        var tensors = model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
        {
            var value = kv.Key.Contains("_norm.", StringComparison.Ordinal) && kv.Key.Contains("self_attn", StringComparison.Ordinal)
                ? rand_like(kv.Value).Times(2).Plus(0.5)
                : kv.Value.clone();
            return (kv.Key, edit?.Invoke(kv.Key, value) ?? value);
        }).ToList();
        SafeTensors.Write(Path.Combine(folder, "model.safetensors"), tensors);
        foreach (var (_, t) in tensors) t.Dispose();
    }

    static float[] LogitsOf(CausalLm model)
    {
        using var noGrad = no_grad();
        using var ids = tensor(new long[] { 1, 5, 9, 17, 30, 2, 7 }).unsqueeze(0);
        using var logits = model.forward(ids);
        return logits.data<float>().ToArray();
    }

    [Fact]
    public void LoadsWithPerHeadQueryAndKeyNormsAndTheHfNames()
    {
        WriteFolder();
        using var model = ModelCheckpoint.LoadCausalLm(folder);
        Assert.Equal(16, model.Config.HeadDim);
        var names = model.state_dict().Keys.ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_norm.weight", names);
        Assert.Contains("model.layers.1.self_attn.k_norm.weight", names);
        Assert.DoesNotContain("model.layers.0.self_attn.q_proj.bias", names);
        Assert.Equal([16L], model.state_dict()["model.layers.0.self_attn.q_norm.weight"].shape);
        Assert.Equal([4L * 16, 32], model.state_dict()["model.layers.0.self_attn.q_proj.weight"].shape);
    }

    [Fact]
    public void KvCacheGenerationLogProbsEqualAFullForward()
    {
        WriteFolder();
        using var model = ModelCheckpoint.LoadCausalLm(folder);
        model.eval();
        int[][] prompts = [[1, 5, 9], [1, 7, 8, 20, 21, 3]];
        var options = new GenerationOptions { MaxNewTokens = 10, Temperature = 0.9 };
        var result = BatchGenerator.Generate(model, prompts, options, new Generator(3));
        KvCacheParity.AssertMatchesFullForward(model, prompts, result, options.Temperature, 0, Tolerance);
    }

    [Fact]
    public void QueryAndKeyNormsChangeTheOutput()
    {
        WriteFolder();
        float[] withNorms;
        using (var model = ModelCheckpoint.LoadCausalLm(folder)) withNorms = LogitsOf(model);
        WriteFolder((name, value) => name.EndsWith("q_norm.weight", StringComparison.Ordinal) || name.EndsWith("k_norm.weight", StringComparison.Ordinal)
            ? ones_like(value) : value);
        float[] withUnitNorms;
        using (var model = ModelCheckpoint.LoadCausalLm(folder)) withUnitNorms = LogitsOf(model);
        float difference = withNorms.Zip(withUnitNorms, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(difference > 1e-3f, $"q_norm/k_norm weights did not change the logits (largest difference {difference})");
    }

    [Fact]
    public void UnknownArchitecturesAreStillRejectedByName()
    {
        HfFolders.WriteConfig(folder, Qwen3Config.Replace("Qwen3ForCausalLM", "Qwen3MoeForCausalLM").Replace("\"qwen3\"", "\"qwen3_moe\""));
        var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.LoadCausalLm(folder));
        Assert.Contains("Qwen3MoeForCausalLM", error.Message);
        Assert.Contains("Qwen3ForCausalLM", error.Message);
    }
}
