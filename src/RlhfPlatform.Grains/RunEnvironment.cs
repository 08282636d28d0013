using RlhfPlatform.Contracts;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Environments;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Grains;

/// <summary>The environment a spec's judge names (evaluation.judge, else the task), over the run's tokenizer.</summary>
public static class RunEnvironment
{
    public static ITaskEnvironment Create(RunSpec spec)
    {
        var tokenizer = SpecMapping.Tokenizer(spec);
        var judge = spec.EffectiveJudge();
        switch (judge.Kind)
        {
            case JudgeSpec.SyntheticLengthKind:
                return new LengthTaskEnvironment(new LengthTask(judge.TargetLength ?? spec.Task.TargetLength), tokenizer);
            case JudgeSpec.RewardModelKind:
                string model = judge.Model ?? throw new RunSpecException("evaluation.judge.model: a reward-model judge needs the gold reward-model folder");
                var template = spec.Prompts.ChatTemplate ? TokenizerChatTemplate.For(tokenizer) : null;
                int maxPrompt = MaxPromptTokens(spec);
                int[][] Read(string field, string? path) => PromptFileEnvironment.ReadPrompts(
                    path ?? throw new RunSpecException($"{field}: a reward-model judge needs a prompt file"), tokenizer, template, maxPrompt);
                return new PromptFileEnvironment(JudgeSpec.RewardModelKind, tokenizer, Read("prompts.train", spec.Prompts.Train),
                    Read("prompts.eval", spec.Prompts.Eval), () => RewardModelJudge.Load(model, tokenizer));
            default:
                throw new RunSpecException($"evaluation.judge.kind '{judge.Kind}' is unknown (known: {JudgeSpec.RewardModelKind}, {JudgeSpec.SyntheticLengthKind})");
        }
    }

    /// <summary>prompts.maxPromptTokens, else what the policy's context leaves after the longest response.</summary>
    public static int MaxPromptTokens(RunSpec spec) => spec.Prompts.MaxPromptTokens
        ?? SpecMapping.PolicyConfig(spec, SpecMapping.Tokenizer(spec)).MaxPositions - Math.Max(spec.Rl.MaxNewTokens, spec.Evaluation.MaxNewTokens);
}
