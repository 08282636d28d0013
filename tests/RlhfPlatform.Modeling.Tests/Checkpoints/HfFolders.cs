using System.Text.Json.Nodes;
using RlhfPlatform.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Tests.Checkpoints;

/// <summary>HF-layout folders written the way HF writes them (hand-written config.json, index and shards), not through ModelCheckpoint.</summary>
static class HfFolders
{
    /// <summary>A tiny config in Qwen2's shape: q/k/v biases, tied embeddings, GQA, an EOS list, null pad, fields we ignore.</summary>
    public const string Qwen2Config = """
    {
      "architectures": ["Qwen2ForCausalLM"],
      "model_type": "qwen2",
      "attention_dropout": 0.0,
      "bos_token_id": 1,
      "eos_token_id": [2, 3],
      "pad_token_id": null,
      "hidden_act": "silu",
      "hidden_size": 32,
      "initializer_range": 0.02,
      "intermediate_size": 88,
      "max_position_embeddings": 64,
      "max_window_layers": 2,
      "num_attention_heads": 4,
      "num_hidden_layers": 2,
      "num_key_value_heads": 2,
      "rms_norm_eps": 1e-06,
      "rope_theta": 1000000.0,
      "sliding_window": 64,
      "tie_word_embeddings": true,
      "torch_dtype": "bfloat16",
      "transformers_version": "4.40.1",
      "use_cache": true,
      "use_sliding_window": false,
      "vocab_size": 40
    }
    """;

    public static void WriteConfig(string folder, string json) => File.WriteAllText(Path.Combine(folder, ModelConfigFile.FileName), json);

    /// <summary>
    /// Writes the model's state as two shards plus an index, the even-numbered tensors in fp16 and
    /// the rest in bf16, and rounds the model's own weights the same way so both hold equal values.
    /// </summary>
    public static void WriteHalfPrecisionShards(nn.Module model, string folder)
    {
        var state = model.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var shards = new[] { new List<(string, Tensor)>(), new List<(string, Tensor)>() };
        var weightMap = new JsonObject();
        using var noGrad = no_grad();
        for (int i = 0; i < state.Count; i++)
        {
            var (name, tensor) = state[i];
            var half = tensor.to_type(i % 2 == 0 ? ScalarType.Float16 : ScalarType.BFloat16);
            tensor.copy_(half);
            int shard = i < state.Count / 2 ? 0 : 1;
            shards[shard].Add((name, half));
            weightMap[name] = ShardName(shard);
        }
        for (int s = 0; s < 2; s++) SafeTensors.Write(Path.Combine(folder, ShardName(s)), shards[s]);
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(folder, WeightFiles.IndexFileName), index.ToJsonString());
        foreach (var shard in shards) foreach (var (_, t) in shard) t.Dispose();
    }

    public static string ShardName(int shard) => $"model-{shard + 1:D5}-of-00002.safetensors";

    /// <summary>Gives every bias a non-zero value so that a bias that fails to load changes the logits.</summary>
    public static void RandomizeBiases(nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (name.EndsWith(".bias", StringComparison.Ordinal)) p.copy_(randn_like(p) * 0.1);
    }
}
