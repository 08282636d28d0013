using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// Writes a model's tensors as model.safetensors, or, when they exceed the shard size, as HF's
/// model-0000i-of-0000n.safetensors shards plus model.safetensors.index.json. Weight files of an
/// earlier save in the same folder are removed so that the folder never mixes two layouts.
/// </summary>
public static class WeightFilesWriter
{
    public static void Write(string folder, IReadOnlyList<(string Name, Tensor Tensor)> tensors, long? maxShardBytes = null)
    {
        if (maxShardBytes is <= 0) throw new ArgumentException($"shard size must be positive (got {maxShardBytes})");
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        var shards = Split(tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList(), maxShardBytes ?? long.MaxValue);
        RemoveEarlierWeights(folder);
        if (shards.Count == 1)
        {
            SafeTensors.Write(Path.Combine(folder, WeightFiles.SingleFileName), shards[0], metadata);
            return;
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string shardName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            SafeTensors.Write(Path.Combine(folder, shardName), shards[i], metadata);
            foreach (var (name, _) in shards[i]) weightMap[name] = shardName;
        }
        var index = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = tensors.Sum(t => SafeTensors.DataBytes(t.Tensor)) },
            ["weight_map"] = weightMap,
        };
        File.WriteAllText(Path.Combine(folder, WeightFiles.IndexFileName), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Consecutive groups of at most <paramref name="maxBytes"/> (a bigger tensor gets a shard of its own).</summary>
    static List<List<(string Name, Tensor Tensor)>> Split(List<(string Name, Tensor Tensor)> tensors, long maxBytes)
    {
        var shards = new List<List<(string, Tensor)>> { new() };
        long current = 0;
        foreach (var item in tensors)
        {
            long size = SafeTensors.DataBytes(item.Tensor);
            if (shards[^1].Count > 0 && current + size > maxBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(item);
            current += size;
        }
        return shards;
    }

    static void RemoveEarlierWeights(string folder)
    {
        foreach (string path in Directory.EnumerateFiles(folder, "model*.safetensors*"))
        {
            string name = Path.GetFileName(path);
            if (name == WeightFiles.SingleFileName || name == WeightFiles.IndexFileName ||
                System.Text.RegularExpressions.Regex.IsMatch(name, @"^model-\d{5}-of-\d{5}\.safetensors$"))
                File.Delete(path);
        }
    }
}
