using RlhfPlatform.Modeling.Checkpoints;

namespace RlhfPlatform.Modeling.Lora;

public enum ModelFolderKind
{
    /// <summary>config.json and model weights (HF layout).</summary>
    HfModel,

    /// <summary>adapter_config.json (PEFT layout); the base model lives elsewhere.</summary>
    PeftAdapter,
}

/// <summary>Tells model folders from adapter folders and loads a base with its adapter.</summary>
public static class AdapterCheckpoint
{
    public static ModelFolderKind KindOf(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"folder not found: {folder}");
        if (File.Exists(Path.Combine(folder, PeftAdapterConfig.FileName))) return ModelFolderKind.PeftAdapter;
        if (File.Exists(Path.Combine(folder, ModelCheckpoint.ConfigFile))) return ModelFolderKind.HfModel;
        throw new InvalidDataException($"{folder} is neither an HF model folder ({ModelCheckpoint.ConfigFile}) nor a PEFT adapter folder ({PeftAdapterConfig.FileName})");
    }

    public static CausalLm LoadCausalLmWithAdapter(string baseFolder, string adapterFolder, ModelLoadOptions? options = null) =>
        WithAdapter(ModelCheckpoint.LoadCausalLm(baseFolder, options), adapterFolder);

    /// <summary>
    /// The base may be a reward model or the causal LM the reward model was trained from: a SEQ_CLS adapter
    /// carries the trained score head (modules_to_save), so the base need not have one.
    /// </summary>
    public static RewardModel LoadRewardModelWithAdapter(string baseFolder, string adapterFolder, ModelLoadOptions? options = null)
    {
        bool adapterHasHead = PeftAdapterConfig.Read(adapterFolder).TaskType == "SEQ_CLS";
        var model = ModelCheckpoint.Load(baseFolder, options, config => new RewardModel(config),
            name => adapterHasHead && name.StartsWith("score.", StringComparison.Ordinal));
        return WithAdapter(model, adapterFolder);
    }

    static T WithAdapter<T>(T model, string adapterFolder) where T : TorchSharp.torch.nn.Module
    {
        try
        {
            PeftAdapter.Load(model, adapterFolder);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
