using System.Text.Json;
using System.Text.Json.Nodes;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Tokenization;

namespace RlhfPlatform.Training.RewardModels;

/// <summary>
/// A trained reward model on disk. One model: an HF-layout folder (config.json with
/// rlhf_reward_head, model.safetensors holding the backbone, LM head and "score" head,
/// tokenizer_config.json). An ensemble: reward_ensemble.json ({"members": K, "aggregate": "mean"|"min"}),
/// tokenizer_config.json, and one HF-layout folder per member, member-0 ... member-(K-1).
/// </summary>
public static class RewardModelFolder
{
    public const string EnsembleFile = "reward_ensemble.json";

    public static string MemberFolder(string folder, int member) => Path.Combine(folder, $"member-{member}");

    public static void Save(TrainedRewardModel model, string folder)
    {
        Directory.CreateDirectory(folder);
        if (!model.IsEnsemble)
        {
            ModelCheckpoint.Save(model.Members[0], model.Members[0].Config, model.Tokenizer, folder);
            return;
        }
        for (int k = 0; k < model.Members.Count; k++)
            ModelCheckpoint.Save(model.Members[k], model.Members[k].Config, model.Tokenizer, MemberFolder(folder, k));
        TokenizerFiles.Save(model.Tokenizer, folder);
        var manifest = new JsonObject { ["members"] = model.Members.Count, ["aggregate"] = model.Aggregate };
        File.WriteAllText(Path.Combine(folder, EnsembleFile), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Loads a single model or an ensemble; <paramref name="aggregate"/> overrides the ensemble's saved one.</summary>
    /// <param name="device">where the members' weights go: "cpu", "cuda", "cuda:1"</param>
    public static TrainedRewardModel Load(string folder, string? aggregate = null, string device = "cpu")
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"reward model folder not found: {folder}");
        var tokenizer = TokenizerFiles.Load(folder);
        string manifestPath = Path.Combine(folder, EnsembleFile);
        if (!File.Exists(manifestPath))
            return new TrainedRewardModel([LoadAsSaved(folder, device)], tokenizer, aggregate ?? Objectives.EnsembleAggregate.Mean);

        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject
            ?? throw new InvalidDataException($"{manifestPath}: expected a JSON object");
        int members = manifest["members"]?.GetValue<int>() ?? throw new InvalidDataException($"{manifestPath}: no 'members'");
        string saved = manifest["aggregate"]?.GetValue<string>() ?? Objectives.EnsembleAggregate.Mean;
        var models = Enumerable.Range(0, members).Select(k => LoadAsSaved(MemberFolder(folder, k), device)).ToArray();
        return new TrainedRewardModel(models, tokenizer, aggregate ?? saved);
    }

    /// <summary>In the precision it was trained in (rewardModel.dtype): a bf16 reward model scores in bf16, its head in fp32.</summary>
    static RewardModel LoadAsSaved(string folder, string device) =>
        ModelCheckpoint.LoadRewardModel(folder, ModelCheckpoint.AsSaved(folder, device));
}
