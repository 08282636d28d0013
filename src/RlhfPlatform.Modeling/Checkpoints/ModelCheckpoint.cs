using RlhfPlatform.Modeling.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Checkpoints;

/// <summary>
/// Saves and loads HF-layout model folders: config.json, model.safetensors or shards with an index
/// (HF tensor names), tokenizer files. Loading checks names and shapes against the model and lists
/// every mismatch in one error before reading any tensor data.
/// </summary>
public static class ModelCheckpoint
{
    public const string ConfigFile = ModelConfigFile.FileName;
    public const string WeightsFile = WeightFiles.SingleFileName;

    /// <param name="maxShardBytes">split the weights into HF shards of at most this size; null writes one file</param>
    public static void Save(nn.Module model, ModelConfig config, ITokenizer tokenizer, string folder, long? maxShardBytes = null)
    {
        Directory.CreateDirectory(folder);
        var state = model.state_dict();
        var floating = state.Values.FirstOrDefault(t => t.is_floating_point());
        if (floating is not null) config = config with { TorchDtype = ModelLoadOptions.DtypeName(floating.dtype) };
        ModelConfigFile.Write(config, folder);
        WeightFilesWriter.Write(folder, state.Select(kv => (kv.Key, kv.Value)).ToList(), maxShardBytes);
        TokenizerFiles.Save(tokenizer, folder);
    }

    public static ModelConfig ReadConfig(string folder) => ModelConfigFile.Read(folder);

    /// <summary>Load options for the folder in the precision it was saved in, on <paramref name="device"/>.</summary>
    public static ModelLoadOptions AsSaved(string folder, string device) => new() { Dtype = SavedDtype(folder), Device = device };

    /// <summary>The precision the folder's config.json says its weights are in (torch_dtype; float32 when it names none we load).</summary>
    public static ScalarType SavedDtype(string folder)
    {
        string name = ReadConfig(folder).TorchDtype;
        return name is "bfloat16" or "float16" or "float64" ? ModelLoadOptions.ParseDtype(name) : ScalarType.Float32;
    }

    public static CausalLm LoadCausalLm(string folder, ModelLoadOptions? options = null) =>
        Load(folder, options, config => new CausalLm(config));

    public static RewardModel LoadRewardModel(string folder, ModelLoadOptions? options = null) =>
        Load(folder, options, config => new RewardModel(config));

    /// <param name="suppliedElsewhere">tensors the folder may lack because something else fills them (an adapter's fully trained head)</param>
    internal static T Load<T>(string folder, ModelLoadOptions? options, Func<ModelConfig, T> create, Func<string, bool>? suppliedElsewhere = null) where T : nn.Module
    {
        options = (options ?? ModelLoadOptions.Default).Validate();
        var device = new Device(options.Device);
        var config = ReadConfig(folder);
        using var files = WeightFiles.Open(folder);
        var model = create(config);
        try
        {
            ModelPrecision.Cast(model, options.Dtype).to(device);
            LoadWeights(model, files, suppliedElsewhere);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Copies the folder's tensors into the model's parameters and buffers of the same names.</summary>
    public static void LoadWeights(nn.Module model, string folder)
    {
        using var files = WeightFiles.Open(folder);
        LoadWeights(model, files);
    }

    static void LoadWeights(nn.Module model, WeightFiles files, Func<string, bool>? suppliedElsewhere = null)
    {
        var state = model.state_dict();
        var available = files.Entries;
        var missing = state.Keys.Where(k => !available.ContainsKey(k) && suppliedElsewhere?.Invoke(k) != true).ToList();
        var unexpected = available.Keys.Where(k => !state.ContainsKey(k) && !IsIgnorable(k, state)).ToList();
        var wrongShape = state.Keys.Where(available.ContainsKey)
            .Where(k => !state[k].shape.SequenceEqual(available[k].Shape))
            .Select(k => $"{k} (file [{string.Join(", ", available[k].Shape)}], model [{string.Join(", ", state[k].shape)}])")
            .ToList();
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add("missing tensors: " + string.Join(", ", missing));
        if (unexpected.Count > 0) problems.Add("unexpected tensors: " + string.Join(", ", unexpected));
        if (wrongShape.Count > 0) problems.Add("wrong shapes: " + string.Join(", ", wrongShape));
        if (problems.Count > 0) throw new InvalidDataException("the checkpoint does not fit the model: " + string.Join("; ", problems));

        foreach (string name in files.NamesInFileOrder().Where(state.ContainsKey))
            files.ReadInto(name, state[name]);
    }

    /// <summary>
    /// Tensors HF checkpoints may carry that the model rightly lacks: lm_head.weight of a model with
    /// tied embeddings, and the rotary inverse frequencies older Llama checkpoints stored.
    /// </summary>
    static bool IsIgnorable(string name, IDictionary<string, Tensor> state) =>
        name == "lm_head.weight" && !state.ContainsKey(name) || name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);
}
