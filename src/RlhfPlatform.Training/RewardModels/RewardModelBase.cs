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

    public static RewardModel Fresh(ModelConfig config, string head, int seed)
    {
        manual_seed(seed);
        return new RewardModel(config with { RewardHead = head });
    }

    /// <summary>Copies every tensor of the base except score.*; every other tensor of the model must be in the file.</summary>
    public static RewardModel FromFolder(string folder, string head, int seed)
    {
        var config = ModelCheckpoint.ReadConfig(folder) with { RewardHead = head };
        manual_seed(seed);
        var model = new RewardModel(config);
        using var files = WeightFiles.Open(folder);
        var state = model.state_dict();
        var missing = state.Keys.Where(k => !k.StartsWith("score.", StringComparison.Ordinal) && !files.Entries.ContainsKey(k)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"{folder}: the base lacks tensors the reward model needs: {string.Join(", ", missing)}");
        foreach (var (name, target) in state)
        {
            if (name.StartsWith("score.", StringComparison.Ordinal)) continue;
            if (!target.shape.SequenceEqual(files.Entries[name].Shape))
                throw new InvalidDataException($"{folder}: tensor {name} has shape [{string.Join(", ", files.Entries[name].Shape)}], the model needs [{string.Join(", ", target.shape)}]");
            files.ReadInto(name, target);
        }
        return model;
    }
}
