using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Synthetic;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

public class EvaluationMetricTests
{
    [Fact]
    public void KendallTauMatchesHandComputedValues()
    {
        Assert.Equal(1.0, KendallTau.TauB([1, 2, 3], [10, 20, 30])!.Value, 12);
        Assert.Equal(-1.0, KendallTau.TauB([3, 2, 1], [10, 20, 30])!.Value, 12);
        // pairs (12, 13, 23): gold +,+,+ ; predicted +,+,- → C = 2, D = 1, τ = 1/3
        Assert.Equal(1.0 / 3, KendallTau.TauB([1, 3, 2], [1, 2, 3])!.Value, 12);
        // gold tie on (1,2): n1 = 1; C = 2 (13, 23), D = 0 → 2 / sqrt((3-1)(3-0))
        Assert.Equal(2 / Math.Sqrt(6), KendallTau.TauB([1, 2, 3], [1, 1, 2])!.Value, 12);
        Assert.Null(KendallTau.TauB([1, 2], [5, 5]));
    }

    [Fact]
    public void EffectiveRankIsOneForRankOneAndNForEqualSingularValues()
    {
        Assert.Equal(4.0, HiddenStateDiagnostics.EffectiveRank(eye(4)), 9);
        Assert.Equal(1.0, HiddenStateDiagnostics.EffectiveRank(ones(5, 3)), 6);
        // singular values (3, 1): p = (0.75, 0.25), exp(-(0.75 ln 0.75 + 0.25 ln 0.25)) = 1.7548
        Assert.Equal(Math.Exp(-(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25))), HiddenStateDiagnostics.EffectiveRank(diag(tensor(new[] { 3.0, 1.0 }))), 9);
    }

    [Fact]
    public void DistributionStatsGivesMeanStdAndSkew()
    {
        var stats = DistributionStats.Of([1, 2, 3, 10]);
        Assert.Equal(4.0, stats.Mean, 12);
        Assert.Equal(Math.Sqrt(12.5), stats.Std, 12);                // m2 = (9+4+1+36)/4
        Assert.Equal(45 / Math.Pow(12.5, 1.5), stats.Skew, 12);      // m3 = (-27-8-1+216)/4
    }

    [Fact]
    public void OodPairsAlwaysHaveAResponsePastTheTargetLength()
    {
        var task = new LengthTask(8);
        var pairs = task.OodLongPairs(200, seed: 3);
        Assert.All(pairs, p => Assert.True(Math.Max(p.Chosen.Length, p.Rejected.Length) > 8));
        Assert.All(pairs, p => Assert.True(task.GoldReward(p.Prompt, p.Chosen) > task.GoldReward(p.Prompt, p.Rejected)));
        // The spurious rule "longer is better" is mostly wrong here.
        double longerWins = pairs.Count(p => p.Chosen.Length > p.Rejected.Length) / (double)pairs.Count;
        Assert.True(longerWins < 0.4, $"longer response chosen in {longerWins:P0} of OOD pairs");
    }

    [Fact]
    public void EvaluationReportsAccuracyTauCalibrationAndDiagnostics()
    {
        var setup = TinyRewardSetup.Setup("bt");
        using var model = RewardModelTraining.Train(setup, TinyRewardSetup.Tokenizer, TinyRewardSetup.TrainPairs(), []);
        var task = TinyRewardSetup.Task;
        var encoder = new Data.PairEncoder(TinyRewardSetup.Tokenizer, 32);
        var data = new Data.PreferenceData(task.PreferencePairs(100, 0, 9).Pairs, task.RankingSets(30, 4, 9), new Data.DataLoadReport());
        var report = RewardModelEvaluation.Evaluate(model, PreferenceEvalSet.FromData("id", data, encoder));
        Assert.Equal(100, report.Pairs);
        Assert.Equal(30, report.RankingSets);
        Assert.True(report.Accuracy > 0.75, $"accuracy {report.Accuracy}");
        Assert.True(report.KendallTau > 0.3, $"τ {report.KendallTau}");
        Assert.True(report.RewardStd > 0);
        Assert.NotNull(report.Hidden);
        Assert.Equal(200, report.Hidden!.Rows);
        Assert.InRange(report.Hidden.EffectiveRank, 1, 32);
        Assert.True(report.Hidden.Norm.Mean > 0 && report.Hidden.PairDifferenceNorm.Mean > 0);
    }
}
