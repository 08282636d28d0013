using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>
/// Where a reward model starts: a fresh small model, or the weights of a base HF folder (a causal LM
/// or another reward model) with a new reward head. The head is initialised from the seed, so the
/// members of an ensemble built on one base differ in their heads, data order and dropout.
/// </summary>
public static class RewardModelBase
{
    /// <summary>HF's architecture name for a decoder with a scalar head.</summary>
    public const string SequenceClassification = "LlamaForSequenceClassification";

    public static RewardModel Fresh(ModelConfig config, string head, int seed)
    {
        manual_seed(seed);
        return new RewardModel(config with { RewardHead = head, Architectures = [SequenceClassification] });
    }

    /// <summary>Copies every tensor of the base except score.*; every other tensor of the model must be in the file.</summary>
    public static RewardModel FromFolder(string folder, string head, int seed)
    {
        var config = ModelCheckpoint.ReadConfig(folder) with { RewardHead = head, Architectures = [SequenceClassification] };
        manual_seed(seed);
        var model = new RewardModel(config);
        string path = Path.Combine(folder, ModelCheckpoint.WeightsFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {ModelCheckpoint.WeightsFile} in base model folder {folder}", path);
        var loaded = SafeTensors.Read(path);
        try
        {
            var state = model.state_dict();
            var missing = state.Keys.Where(k => !k.StartsWith("score.", StringComparison.Ordinal) && !loaded.ContainsKey(k)).ToList();
            if (missing.Count > 0) throw new InvalidDataException($"{path} lacks tensors the reward model needs: {string.Join(", ", missing)}");
            using var noGrad = no_grad();
            foreach (var (name, target) in state)
            {
                if (name.StartsWith("score.", StringComparison.Ordinal)) continue;
                if (!target.shape.SequenceEqual(loaded[name].shape))
                    throw new InvalidDataException($"{path}: tensor {name} has shape [{string.Join(", ", loaded[name].shape)}], the model needs [{string.Join(", ", target.shape)}]");
                target.copy_(loaded[name].to_type(target.dtype));
            }
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
        return model;
    }
}
