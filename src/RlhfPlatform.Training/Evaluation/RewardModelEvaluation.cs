using RlhfPlatform.Training.RewardModels;

namespace RlhfPlatform.Training.Evaluation;

/// <summary>
/// A reward model's figures on one eval set: pairwise accuracy (ties count as wrong), reward
/// calibration (mean and std of every scored response), Kendall τ-b averaged over ranking sets, and
/// BSR's hidden-state diagnostics (of the first member for an ensemble).
/// </summary>
public sealed record RewardEvalReport(string Name, int Pairs, double Accuracy, double RewardMean, double RewardStd,
    int RankingSets, double? KendallTau, HiddenStateStats? Hidden);

public static class RewardModelEvaluation
{
    public static RewardEvalReport Evaluate(TrainedRewardModel model, PreferenceEvalSet set, bool diagnostics = true)
    {
        var prompts = set.Pairs.Select(p => p.Prompt).ToArray();
        var chosen = model.Score(prompts, set.Pairs.Select(p => p.Chosen).ToArray());
        var rejected = model.Score(prompts, set.Pairs.Select(p => p.Rejected).ToArray());
        var rankingScores = set.Rankings.Select(r => model.Score(r.Prompts, r.Responses)).ToArray();
        var all = chosen.Concat(rejected).Concat(rankingScores.SelectMany(s => s)).Select(v => (double)v).ToArray();
        var calibration = DistributionStats.Of(all);
        var (tau, _) = KendallTau.Average(rankingScores.Zip(set.Rankings,
            (s, r) => ((IReadOnlyList<double>)s.Select(v => (double)v).ToArray(), (IReadOnlyList<double>)r.Scores)));
        double accuracy = set.Pairs.Count == 0 ? double.NaN : chosen.Zip(rejected).Count(x => x.First > x.Second) / (double)set.Pairs.Count;
        var hidden = diagnostics && set.Pairs.Count > 0 ? HiddenStateDiagnostics.Compute(model.Members[0], set.Pairs) : null;
        return new RewardEvalReport(set.Name, set.Pairs.Count, accuracy, calibration.Mean, calibration.Std, set.Rankings.Count, tau, hidden);
    }
}
