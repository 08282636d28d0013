using System.Text.Json;

namespace RlhfPlatform.Contracts;

/// <summary>
/// What the gold judge implies for the rest of the spec. evaluation.judge wins over task; a spec that
/// gives both must make them agree. The synthetic-length judge generates its own prompts, so prompts.*
/// is meaningless there; the reward-model judge needs the user's prompts and data, since nothing can
/// be generated for it.
/// </summary>
static class JudgeRules
{
    public static void Check(RunSpec spec, JsonElement root, List<string> problems)
    {
        bool hasTask = root.TryGetProperty("task", out var task) && task.ValueKind == JsonValueKind.Object;
        bool hasPrompts = root.TryGetProperty("prompts", out var prompts) && prompts.ValueKind == JsonValueKind.Object;
        var judge = spec.Evaluation.Judge;
        if (judge is { Kind: JudgeSpec.RewardModelKind })
        {
            if (hasTask)
                problems.Add("task and evaluation.judge disagree: task is the synthetic-length judge, evaluation.judge is a reward model (remove task)");
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
            if (hasTask && judge.TargetLength is { } target && target != spec.Task.TargetLength)
                problems.Add($"task and evaluation.judge disagree: task.targetLength is {spec.Task.TargetLength}, evaluation.judge.targetLength is {target} (give one)");
        }
        if (hasPrompts)
            problems.Add("prompts: the synthetic-length judge generates its own prompts; remove prompts or use a reward-model judge");
    }
}
