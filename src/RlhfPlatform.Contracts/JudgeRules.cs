using System.Text.Json;

namespace RlhfPlatform.Contracts;

/// <summary>
/// What the gold judge implies for the rest of the spec. evaluation.judge wins over task; a spec that
/// gives both must make them agree (a reward-model judge next to a task with a non-default target length is refused). The synthetic-length judge generates its own prompts, so prompts.*
/// is meaningless there; the reward-model judge needs the user's prompts and data, since nothing can
/// be generated for it.
/// </summary>
static class JudgeRules
{
    public static void Check(RunSpec spec, JsonElement root, List<string> problems)
    {
        // By value, not by presence: a parsed spec written back to JSON (rlhf submit, the demo) names every field.
        bool taskTarget = root.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.Object
            && task.TryGetProperty("targetLength", out var target) && target.ValueKind == JsonValueKind.Number;
        bool hasPrompts = spec.Prompts.Train != null || spec.Prompts.Eval != null || spec.Prompts.MaxPromptTokens != null;
        var judge = spec.Evaluation.Judge;
        if (judge is { Kind: JudgeSpec.RewardModelKind })
        {
            if (taskTarget && spec.Task.TargetLength != new TaskSpec().TargetLength)
                problems.Add($"task and evaluation.judge disagree: task.targetLength {spec.Task.TargetLength} is for the synthetic-length judge, evaluation.judge is a reward model (remove task)");
            if (judge.Model == null) problems.Add("evaluation.judge.model: a reward-model judge needs the gold reward-model folder");
            if (judge.TargetLength != null) problems.Add("evaluation.judge.targetLength: only the synthetic-length judge has a target length");
            if (spec.Prompts.Train == null) problems.Add("prompts.train: a reward-model judge needs the RL prompts (JSONL of {\"prompt\"})");
            if (spec.Prompts.Eval == null) problems.Add("prompts.eval: a reward-model judge needs the evaluation prompts (JSONL of {\"prompt\"})");
            if (spec.RewardModel.Data == null) problems.Add("rewardModel.data: a reward-model judge generates no preference pairs; name a preference file");
            if (spec.Policy.Sft.Data == null && spec.Policy.Sft.Steps > 0)
                problems.Add("policy.sft.data: a reward-model judge generates no demonstrations; name a file or set policy.sft.steps to 0");
            return;
        }
        if (judge != null)
        {
            if (judge.Model != null) problems.Add("evaluation.judge.model: the synthetic-length judge takes no model (use kind reward-model)");
            if (taskTarget && judge.TargetLength is { } length && length != spec.Task.TargetLength)
                problems.Add($"task and evaluation.judge disagree: task.targetLength is {spec.Task.TargetLength}, evaluation.judge.targetLength is {length} (give one)");
        }
        if (hasPrompts)
            problems.Add("prompts: the synthetic-length judge generates its own prompts; remove prompts.train, prompts.eval and prompts.maxPromptTokens, or use a reward-model judge");
    }
}
