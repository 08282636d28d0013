using RlhfPlatform.Training.Rl;

namespace RlhfPlatform.Training.Tests;

public class BestOfNTests
{
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.19314718055994531)]   // ln 2 - 1/2
    [InlineData(4, 0.63629436111989063)]   // ln 4 - 3/4
    [InlineData(405, 5.0063562029)]        // ln 405 - 404/405 = 6.0038871 - 0.9975309 (GRM's largest N)
    public void AnalyticKlIsLnNMinusNMinusOneOverN(int n, double expected) =>
        Assert.Equal(expected, BestOfN.AnalyticKl(n), 9);

    [Fact]
    public void CurveOnFixedScoresMatchesHandComputedSubsetAverages()
    {
        // One prompt, proxy (3, 1, 2), gold (10, 20, 30). n = 2 subsets: {0,1}→0, {0,2}→0, {1,2}→2:
        // proxy (3 + 3 + 2)/3 = 8/3, gold (10 + 10 + 30)/3 = 50/3.
        var curve = BestOfN.Curve([[3f, 1f, 2f]], [[10f, 20f, 30f]]);
        Assert.Equal([1, 2, 3], curve.Select(p => p.N));
        Assert.Equal([2.0, 8.0 / 3, 3.0], curve.Select(p => p.ProxyReward), new DoubleTolerance(1e-9));
        Assert.Equal([20.0, 50.0 / 3, 10.0], curve.Select(p => p.GoldReward), new DoubleTolerance(1e-9));
        Assert.Equal(BestOfN.AnalyticKl(2), curve[1].Kl);
    }

    [Fact]
    public void CurveEqualsTheAverageOverEveryNSubset()
    {
        var rng = new Random(7);
        const int total = 7;
        var proxy = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, total).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var gold = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, total).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var curve = BestOfN.Curve(proxy, gold);
        for (int n = 1; n <= total; n++)
        {
            double sum = 0;
            int subsets = 0;
            for (int p = 0; p < proxy.Length; p++)
            {
                foreach (var subset in Subsets(total, n))
                {
                    int best = subset.MaxBy(i => proxy[p][i]);
                    sum += gold[p][best];
                    subsets++;
                }
            }
            Assert.Equal(sum / subsets, curve[n - 1].GoldReward, 6);
        }
    }

    [Fact]
    public void SelectionWeightsSumToOne()
    {
        foreach (int n in new[] { 1, 5, 40, 405 })
            Assert.Equal(1.0, BestOfN.SelectionWeights(405, n).Sum(), 9);
    }

    static IEnumerable<int[]> Subsets(int total, int size) =>
        size == 0 ? [[]] : Enumerable.Range(0, total).SelectMany(first =>
            Subsets(total, size - 1).Where(rest => rest.All(r => r > first)).Select(rest => (int[])[first, .. rest]))
        .Where(s => s.Length == size).DistinctBy(s => string.Join(",", s));
}

sealed class DoubleTolerance(double tolerance) : IEqualityComparer<double>
{
    public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
    public int GetHashCode(double obj) => 0;
}
