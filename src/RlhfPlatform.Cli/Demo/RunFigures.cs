using RlhfPlatform.Training.Evaluation;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// The benchmark's figures of one run for one optimizer (RL or Best-of-N): gold at fixed KL budgets
/// (NaN where the run never spent that much), the KL where smoothed gold peaked, gold, proxy and
/// length at the end, win rates against the SFT policy, and the over-optimization verdict.
/// </summary>
public sealed record RunFigures(
    double[] GoldAtKl, double KlAtPeak, double GoldAtPeak, double GoldEnd, double ProxyEnd, double KlEnd,
    double Length, double WinRate, double LcWinRate, bool OverOptimized, double GoldDrop, double ProxyRise)
{
    /// <summary>KL budgets (nats) of the table.</summary>
    public static readonly double[] Budgets = [1, 2, 4, 8];

    /// <summary>Centred moving average over RL steps used for every RL figure (the per-step estimates are noisy): the platform's verdict window.</summary>
    public const int RlWindow = OverOptimization.RlWindow;

    /// <summary>Gold must fall at least this far below its smoothed peak while the proxy rises: the platform's verdict.</summary>
    public const double MinGoldDrop = OverOptimization.MinGoldDrop;

    /// <summary>
    /// RL: the curves smoothed over <see cref="RlWindow"/> steps; the peak is the first step of highest
    /// smoothed gold, KL at the peak the smoothed KL there. End figures (gold, proxy, length, win
    /// rates, KL) are the run's evaluation of its final policy on held-out prompts.
    /// </summary>
    public static RunFigures Rl(BenchmarkRun run) => Of(run.Rl, RlWindow,
        run.Result("gold_reward_after"), run.Result("proxy_reward_after"), run.Result("kl"), run.Result("length_after"),
        run.Result("win_rate"), run.Result("lc_win_rate"));

    /// <summary>
    /// Best-of-N from the SFT policy: the curve is already an expectation over subsets (no smoothing);
    /// end figures are at the largest N, win rates are the best of N against the other samples of its prompt.
    /// </summary>
    public static RunFigures BestOfN(BenchmarkRun run)
    {
        var c = run.BestOfN;
        double Last(double[] v) => v.Length == 0 ? double.NaN : v[^1];
        return Of(c, 1, Last(c.Gold), Last(c.Proxy), Last(c.Kl), Last(c.Length), run.Result("bon_win_rate"), run.Result("bon_lc_win_rate"));
    }

    static RunFigures Of(BenchmarkCurve curve, int window, double goldEnd, double proxyEnd, double klEnd, double length, double win, double lcWin)
    {
        var nan = Budgets.Select(_ => double.NaN).ToArray();
        if (curve.Count < 2)
            return new RunFigures(nan, double.NaN, double.NaN, goldEnd, proxyEnd, klEnd, length, win, lcWin, false, double.NaN, double.NaN);
        var points = Enumerable.Range(0, curve.Count).Select(i => new CurvePoint(i, curve.Proxy[i], curve.Gold[i])).ToArray();
        var verdict = OverOptimization.Detect(points, MinGoldDrop, minProxyRise: 0.0, window);
        var kl = MovingAverage.Centred(curve.Kl, window);
        return new RunFigures(KlBudget.At(curve.Kl, curve.Gold, Budgets, window), kl[(int)verdict.PeakX], verdict.PeakGold,
            goldEnd, proxyEnd, klEnd, length, win, lcWin, verdict.OverOptimized, verdict.GoldDrop, verdict.ProxyRiseAfterPeak);
    }
}
