using RlhfPlatform.Training.Evaluation;

namespace RlhfPlatform.Training.Tests;

public class EvaluationMathTests
{
    static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    [Fact]
    public void LogisticFitRecoversExactProbabilities()
    {
        // Targets are the model's own probabilities: the maximum-likelihood fit is (a, b) itself.
        var x = Enumerable.Range(-20, 41).Select(i => i / 10.0).ToArray();
        var y = x.Select(v => Sigmoid(0.8 - 1.5 * v)).ToArray();
        var fit = LogisticRegression.Fit(x, y);
        Assert.Equal(0.8, fit.Intercept, 4);
        Assert.Equal(-1.5, fit.Slope, 4);
    }

    [Fact]
    public void LogisticFitRecoversSampledWinsWithinSamplingError()
    {
        var rng = new Random(11);
        var x = Enumerable.Range(0, 20000).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var y = x.Select(v => rng.NextDouble() < Sigmoid(-0.4 + 2.0 * v) ? 1.0 : 0.0).ToArray();
        var fit = LogisticRegression.Fit(x, y);
        Assert.InRange(fit.Intercept, -0.45, -0.35);
        Assert.InRange(fit.Slope, 1.9, 2.1);
    }

    [Fact]
    public void LengthControlledWinRateIsThePredictionAtZeroLengthDifference()
    {
        // Longer responses win more often here: raw win rate is high, but at equal length the policy wins σ(-0.5) = 37.8%.
        var referenceLengths = Enumerable.Repeat(10.0, 200).ToArray();
        var lengths = Enumerable.Range(0, 200).Select(i => 10.0 + (i % 20) + 1).ToArray(); // differences 1..20
        var diffs = lengths.Zip(referenceLengths, (l, r) => l - r).ToArray();
        double mean = diffs.Average(), sd = Math.Sqrt(diffs.Sum(d => (d - mean) * (d - mean)) / diffs.Length);
        var outcomes = diffs.Select(d => Sigmoid(-0.5 + 1.2 * d / sd)).ToArray();
        var rates = WinRates.Compute(outcomes, lengths, referenceLengths);
        Assert.Equal(Sigmoid(-0.5), rates.LengthControlledWinRate, 4);
        Assert.Equal(1.2, rates.LengthSlope, 4);
        Assert.True(rates.WinRate > 0.7, $"raw win rate {rates.WinRate:F3}");
    }

    [Fact]
    public void WinOutcomesCountTiesAsHalf() =>
        Assert.Equal([1.0, 0.5, 0.0], WinRates.Outcomes([2, 1, 0], [1, 1, 1]));

    [Fact]
    public void QuantilesInterpolateBetweenOrderStatistics()
    {
        var summary = LengthSummary.Of([4, 1, 3, 2, 5]);
        Assert.Equal(3, summary.Median);
        Assert.Equal(1.4, summary.P10, 9);   // position 0.4 between 1 and 2
        Assert.Equal(2, summary.P25);
        Assert.Equal(3, summary.Mean);
    }

    [Fact]
    public void DetectorFindsTheGoldPeakWhenProxyKeepsRising()
    {
        // proxy = x rises throughout; gold = x - x²/2 peaks at x = 1 and falls to -1.5 at x = 3.
        var curve = Enumerable.Range(0, 31).Select(i => i / 10.0).Select(x => new CurvePoint(x, x, x - x * x / 2)).ToArray();
        var report = OverOptimization.Detect(curve, minGoldDrop: 0.5, minProxyRise: 0.5);
        Assert.True(report.OverOptimized, report.Explanation);
        Assert.Equal(1.0, report.PeakX, 9);
        Assert.Equal(2.0, report.GoldDrop, 9);
        Assert.Equal(2.0, report.ProxyRiseAfterPeak, 9);
    }

    [Fact]
    public void DetectorReportsNoOverOptimizationWhenGoldKeepsRisingOrProxyFallsToo()
    {
        var rising = Enumerable.Range(0, 10).Select(i => new CurvePoint(i, i, Math.Sqrt(i))).ToArray();
        Assert.False(OverOptimization.Detect(rising, 0.1, 0.1).OverOptimized);
        var bothFall = Enumerable.Range(0, 10).Select(i => new CurvePoint(i, -Math.Abs(i - 3), -Math.Abs(i - 3))).ToArray();
        var report = OverOptimization.Detect(bothFall, 0.1, 0.1);
        Assert.False(report.OverOptimized, report.Explanation);
        Assert.Equal(3, report.PeakX);
    }
}
