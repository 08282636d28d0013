using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Grains;

/// <summary>
/// What a parsed spec names, checked before a run is recorded: the base folders are HF models the
/// decoder implements, the judge folder is a reward model, the base's context fits the responses,
/// and the environment's prompt files read. Each problem starts with the field it is about.
/// </summary>
public static class RunInputs
{
    public static IReadOnlyList<string> Problems(RunSpec spec)
    {
        var problems = new List<string>();
        if (spec.Policy.Base is { } policyBase && Check(problems, "policy.base", () => BaseModel(policyBase)) is { } config)
        {
            int longest = Math.Max(spec.Rl.MaxNewTokens, spec.Evaluation.MaxNewTokens);
            if (longest + 2 > config.MaxPositions)
                problems.Add($"rl.maxNewTokens / evaluation.maxNewTokens ({longest}) plus a prompt must fit the base model's max_position_embeddings ({config.MaxPositions})");
            if (spec.Prompts.MaxPromptTokens is { } maxPrompt && maxPrompt + longest > config.MaxPositions)
                problems.Add($"prompts.maxPromptTokens ({maxPrompt}) plus {longest} new tokens exceeds the base model's max_position_embeddings ({config.MaxPositions})");
        }
        if (spec.RewardModel.Base is { } rmBase) Check(problems, "rewardModel.base", () => BaseModel(rmBase));
        if (spec.Evaluation.Judge?.Model is { } judge) Check(problems, "evaluation.judge.model", () => GoldRewardModel(judge));
        if (problems.Count == 0) Check(problems, "prompts", () => { RunEnvironment.Create(spec).Dispose(); return true; });
        return problems;
    }

    /// <summary>config.json of an architecture we implement, weights, and a tokenizer that fits the vocabulary.</summary>
    static ModelConfig BaseModel(string folder)
    {
        var config = ModelCheckpoint.ReadConfig(folder);
        using (WeightFiles.Open(folder)) { }
        var tokenizer = TokenizerFiles.Load(folder);
        if (tokenizer.VocabSize > config.VocabSize)
            throw new InvalidDataException($"{folder}: the tokenizer has {tokenizer.VocabSize} ids but config.json's vocab_size is {config.VocabSize}");
        return config;
    }

    static bool GoldRewardModel(string folder)
    {
        bool ensemble = File.Exists(Path.Combine(folder, RewardModelFolder.EnsembleFile));
        string first = ensemble ? RewardModelFolder.MemberFolder(folder, 0) : folder;
        var config = ModelCheckpoint.ReadConfig(first);
        if (config.RewardHead == "none")
            throw new InvalidDataException($"{first} is a causal LM, not a reward model (config.json has no rlhf_reward_head; train one with `rlhf rm train`)");
        using (WeightFiles.Open(first)) { }
        TokenizerFiles.Load(folder);
        return true;
    }

    static T? Check<T>(List<string> problems, string field, Func<T> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or DataFormatException or ArgumentException or RunSpecException)
        {
            problems.Add(e.Message.StartsWith(field, StringComparison.Ordinal) ? e.Message : $"{field}: {e.Message}");
            return default;
        }
    }
}
