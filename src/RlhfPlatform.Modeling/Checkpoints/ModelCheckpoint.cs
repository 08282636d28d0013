using System.Text.Json;
using RlhfPlatform.Modeling.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// Saves and loads HF-layout model folders: config.json, model.safetensors (HF tensor names),
/// tokenizer_config.json. Loading checks names and shapes and lists every mismatch.
/// </summary>
public static class ModelCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";

    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static void Save(nn.Module model, ModelConfig config, ITokenizer tokenizer, string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ConfigFile), JsonSerializer.Serialize(config, JsonOptions));
        var state = model.state_dict();
        SafeTensors.Write(Path.Combine(folder, WeightsFile), state.Select(kv => (kv.Key, kv.Value)),
            new Dictionary<string, string> { ["format"] = "pt" });
        TokenizerFiles.Save(tokenizer, folder);
    }

    public static ModelConfig ReadConfig(string folder)
    {
        string path = Path.Combine(folder, ConfigFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {ConfigFile} in model folder {folder}", path);
        try
        {
            return (JsonSerializer.Deserialize<ModelConfig>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty")).Validate();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid model config ({e.Message})");
        }
    }

    public static CausalLm LoadCausalLm(string folder)
    {
        var model = new CausalLm(ReadConfig(folder));
        LoadWeights(model, Path.Combine(folder, WeightsFile));
        return model;
    }

    public static RewardModel LoadRewardModel(string folder)
    {
        var model = new RewardModel(ReadConfig(folder));
        LoadWeights(model, Path.Combine(folder, WeightsFile));
        return model;
    }

    /// <summary>Copies every tensor of the file into the model's parameters and buffers of the same name.</summary>
    public static void LoadWeights(nn.Module model, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"weights file not found: {path}", path);
        var state = model.state_dict();
        var loaded = SafeTensors.Read(path);
        try
        {
            var missing = state.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
            var unexpected = loaded.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var wrongShape = state.Keys.Where(loaded.ContainsKey)
                .Where(k => !state[k].shape.SequenceEqual(loaded[k].shape))
                .Select(k => $"{k} (file [{string.Join(", ", loaded[k].shape)}], model [{string.Join(", ", state[k].shape)}])")
                .ToList();
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add("missing tensors: " + string.Join(", ", missing));
            if (unexpected.Count > 0) problems.Add("unexpected tensors: " + string.Join(", ", unexpected));
            if (wrongShape.Count > 0) problems.Add("wrong shapes: " + string.Join(", ", wrongShape));
            if (problems.Count > 0) throw new InvalidDataException($"{path} does not fit the model: " + string.Join("; ", problems));
            using var noGrad = no_grad();
            foreach (var (name, target) in state)
                target.copy_(loaded[name].to_type(target.dtype));
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }
}
