using RlhfPlatform.Training.Evaluation;
using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Tests;

/// <summary>The demo benchmark's figures: KL-budget interpolation, seed aggregation, Best-of-N length and win rates, against hand-computed values.</summary>
public class BenchmarkMathTests
{
    [Fact]
    public void MovingAverageShrinksAtTheEnds()
    {
        // window 3 over (1, 2, 6, 3): (1+2)/2, (1+2+6)/3, (2+6+3)/3, (6+3)/2
        Assert.Equal([1.5, 3.0, 11.0 / 3, 4.5], MovingAverage.Centred([1, 2, 6, 3], 3), new DoubleTolerance(1e-12));
        Assert.Equal([1.0, 2.0, 6.0, 3.0], MovingAverage.Centred([1, 2, 6, 3], 1));
    }

    [Fact]
    public void GoldAtABudgetIsInterpolatedOnTheRawCurve()
    {
        // KL 0, 1, 3, 6 with gold 1.0, 1.4, 1.2, 0.3. Budget 2 lies halfway between KL 1 and 3: 1.3.
        // Budget 4 is a third of the way from 3 to 6: 1.2 - 0.9/3 = 0.9. Budget 8 is never reached.
        double[] kl = [0, 1, 3, 6], gold = [1.0, 1.4, 1.2, 0.3];
        Assert.Equal(1.4, KlBudget.At(kl, gold, 1), 12);
        Assert.Equal(1.3, KlBudget.At(kl, gold, 2), 12);
        Assert.Equal(0.9, KlBudget.At(kl, gold, 4), 12);
        Assert.True(double.IsNaN(KlBudget.At(kl, gold, 8)));
    }

    [Fact]
    public void GoldAtABudgetIsInterpolatedOnTheSmoothedCurveAtItsFirstCrossing()
    {
        // Window 3: smoothed KL (0+2)/2, (0+2+1)/3, (2+1+5)/3, (1+5)/2 = 1, 1, 8/3, 3;
        // smoothed gold (1+2)/2, (1+2+0)/3, (2+0+3)/3, (0+3)/2 = 1.5, 1, 5/3, 1.5.
        // Budget 2: first smoothed KL ≥ 2 is index 2 (8/3); t = (2 - 1) / (8/3 - 1) = 0.6; gold 1 + 0.6 · 2/3 = 1.4.
        double[] kl = [0, 2, 1, 5], gold = [1, 2, 0, 3];
        Assert.Equal(1.4, KlBudget.At(kl, gold, 2, window: 3), 12);
        // Budget 0.5 lies below the smoothed curve's start (1): not on the curve.
        Assert.True(double.IsNaN(KlBudget.At(kl, gold, 0.5, window: 3)));
        // Budget 3 is reached exactly at the last point.
        Assert.Equal(1.5, KlBudget.At(kl, gold, 3, window: 3), 12);
    }

    [Fact]
    public void SeedSummaryIsMeanSampleStdAndStudentTInterval()
    {
        // (1, 2, 6): mean 3, sample variance ((-2)² + (-1)² + 3²)/2 = 7, std √7 = 2.6458;
        // 95% half-width t(0.975, 2) · √7/√3 = 4.303 · 1.52753 = 6.5730.
        var s = SeedSummary.Of([1, 2, 6]);
        Assert.Equal(3, s.Count);
        Assert.Equal(3.0, s.Mean, 12);
        Assert.Equal(Math.Sqrt(7), s.Std, 12);
        Assert.Equal(3 - 4.303 * Math.Sqrt(7.0 / 3), s.Low, 9);
        Assert.Equal(3 + 4.303 * Math.Sqrt(7.0 / 3), s.High, 9);
        Assert.Equal(6.5730, s.High - s.Mean, 3);
    }

    [Fact]
    public void SeedSummaryLeavesMissingValuesOutAndHasNoSpreadForOneSeed()
    {
        var two = SeedSummary.Of([2, double.NaN, 4]);
        Assert.Equal((2, 1), (two.Count, two.Missing));
        Assert.Equal(3.0, two.Mean, 12);
        Assert.Equal(Math.Sqrt(2), two.Std, 12);
        Assert.Equal(3 + 12.706 * 1.0, two.High, 9); // t(0.975, 1) · √2/√2
        var one = SeedSummary.Of([5]);
        Assert.Equal(5.0, one.Mean);
        Assert.True(double.IsNaN(one.Std) && double.IsNaN(one.Low));
        Assert.Equal(1.960, SeedSummary.TQuantile975(100));
    }

    [Fact]
    public void BestOfNLengthIsTheSubsetAverageOfTheSelectedLength()
    {
        // As in BestOfNTests: proxy (3, 1, 2); lengths (4, 8, 12). n = 2 picks 0, 0, 2: (4 + 4 + 12)/3.
        var curve = BestOfN.Curve([[3f, 1f, 2f]], [[10f, 20f, 30f]], [[4.0, 8.0, 12.0]]);
        Assert.Equal([8.0, 20.0 / 3, 4.0], curve.Select(p => p.Length), new DoubleTolerance(1e-9));
    }

    [Fact]
    public void BestOfNWinRateComparesTheSelectedSampleWithTheOthersOfItsPrompt()
    {
        // Prompt 0 selects sample 0 (gold 2) against golds 1 and 3: one win, one loss.
        // Prompt 1 selects sample 2 (gold 5) against 5 and 4: a tie and a win. Win rate (1 + 0 + 0.5 + 1)/4.
        var rates = BestOfN.SelectedWinRates([[2f, 1f, 3f], [5f, 4f, 5f]], [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]], [0, 2]);
        Assert.Equal(0.625, rates.WinRate, 12);
    }
}
