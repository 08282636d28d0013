using RlhfPlatform.Contracts;
using RlhfPlatform.Modeling.Generation;
using RlhfPlatform.Storage;
using RlhfPlatform.Training.Evaluation;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains;

/// <summary>Samples the policy and the reference on held-out prompts and judges both with the gold reward; proxy reward via the scorer grain.</summary>
public sealed class EvaluatorGrain(ComputeQueue compute, CheckpointFiles files, IRunStore runs) : Grain, IEvaluatorGrain
{
    public async Task<EvaluationReport> Evaluate(RunSpec spec, int policyVersion, int referenceVersion, CheckpointRef rewardModel)
    {
        string runId = this.GetPrimaryKeyString();
        var prompts = RunData.EvalPrompts(spec);
        var options = new GenerationOptions { MaxNewTokens = spec.Evaluation.MaxNewTokens, Temperature = spec.Rl.Temperature };
        int[][] policyResponses = await SampleAsync(runId, policyVersion, prompts, options, spec.Seed + 1);
        int[][] referenceResponses = await SampleAsync(runId, referenceVersion, prompts, options, spec.Seed + 1);

        var scorer = GrainFactory.GetGrain<IRewardScorerGrain>(GrainKeys.Join(runId, rewardModel.Kind, rewardModel.Version));
        float[] proxy = await scorer.Score(prompts, policyResponses);

        var task = SpecMapping.Task(spec);
        string[] promptTexts = prompts.Select(RunData.PromptText).ToArray();
        string[] texts = policyResponses.Select(RunData.ResponseText).ToArray();
        string[] referenceTexts = referenceResponses.Select(RunData.ResponseText).ToArray();
        var comparison = PolicyEvaluation.Compare(
            promptTexts.Zip(texts, task.GoldReward).ToArray(),
            promptTexts.Zip(referenceTexts, task.GoldReward).ToArray(),
            texts.Select(t => t.Length).ToArray(),
            referenceTexts.Select(t => t.Length).ToArray());
        var report = new EvaluationReport(policyVersion, comparison.GoldReward, comparison.ReferenceGoldReward, proxy.Average(),
            comparison.MeanLength, comparison.ReferenceMeanLength, comparison.WinRate, prompts.Length);
        await runs.RecordMetricsAsync(runId, RunMetrics.Points(policyVersion, new Dictionary<string, double>
        {
            ["eval/gold_reward"] = report.GoldReward,
            ["eval/proxy_reward"] = report.ProxyReward,
            ["eval/length"] = report.MeanLength,
            ["eval/win_rate"] = report.WinRate,
        }));
        return report;
    }

    async Task<int[][]> SampleAsync(string runId, int version, int[][] prompts, GenerationOptions options, long seed)
    {
        using var policy = new LoadedPolicy(files, compute, runId);
        var model = await policy.GetAsync(version);
        return await compute.Run(() => BatchGenerator.Generate(model, prompts, options, new Generator((ulong)seed)).Responses);
    }
}
