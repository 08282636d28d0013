using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Generation;

namespace RlhfPlatform.Training.Rl;

/// <summary>One point of the Best-of-N curve: expected proxy and gold reward (and response length) of the proxy-argmax of n samples.</summary>
public sealed record BestOfNPoint(int N, double Kl, double ProxyReward, double GoldReward)
{
    /// <summary>Expected length in tokens (without the stop token) of the selected response; NaN when lengths were not given.</summary>
    public double Length { get; init; } = double.NaN;
}

/// <summary>The curve over n = 1..N and, per prompt, the best of all N samples.</summary>
public sealed record BestOfNResult(IReadOnlyList<BestOfNPoint> Curve, int[][] Selected, float[] SelectedProxy, float[] SelectedGold)
{
    /// <summary>
    /// Gold win rate (and length-controlled win rate) of the best of all N samples against the other
    /// N - 1 samples of its prompt, which are draws from the same (reference) policy; null without gold.
    /// </summary>
    public Evaluation.WinRates? WinRates { get; init; }
}

/// <summary>
/// Best-of-N sampling: draw N responses per prompt, keep the proxy-RM argmax, judge it with the gold reward.
/// KL(π_BoN ‖ π) = ln n - (n-1)/n (analytic, METHODS.md).
/// The curve for every n ≤ N comes from the same N samples per prompt: the expectation over all
/// n-subsets of them (a U-statistic, unbiased for best-of-n of the policy). With the samples ranked by
/// proxy score (rank 1 highest; ties broken by sample order), rank i is the argmax of a uniformly
/// random n-subset with probability w_i = C(N-i, n-1) / C(N, n), so
///   E[gold of best-of-n] = Σ_i w_i · gold_(i),   w_1 = n/N,   w_{i+1} = w_i · (N-i-n+1)/(N-i).
/// </summary>
public static class BestOfN
{
    public static double AnalyticKl(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n must be at least 1");
        return Math.Log(n) - (n - 1.0) / n;
    }

    /// <summary>w_i for ranks i = 1..total (index i-1).</summary>
    public static double[] SelectionWeights(int total, int n)
    {
        if (n < 1 || n > total) throw new ArgumentOutOfRangeException(nameof(n), n, $"n must be in 1..{total}");
        var weights = new double[total];
        weights[0] = n / (double)total;
        for (int i = 1; i < total; i++) weights[i] = weights[i - 1] * (total - i - n + 1) / (total - i);
        return weights;
    }

    /// <summary>The curve from per-prompt scores [prompt][sample] (gold and lengths may be null: NaN in the curve).</summary>
    public static IReadOnlyList<BestOfNPoint> Curve(IReadOnlyList<float[]> proxy, IReadOnlyList<float[]>? gold, IReadOnlyList<double[]>? lengths = null)
    {
        if (proxy.Count == 0) throw new ArgumentException("no prompts");
        int total = proxy[0].Length;
        if (proxy.Any(p => p.Length != total) || (gold is not null && (gold.Count != proxy.Count || gold.Any(g => g.Length != total))))
            throw new ArgumentException("every prompt needs the same number of proxy (and gold) scores");
        if (lengths is not null && (lengths.Count != proxy.Count || lengths.Any(l => l.Length != total)))
            throw new ArgumentException("every prompt needs one length per sample");
        var ranked = proxy.Select(p => Enumerable.Range(0, total).OrderByDescending(i => p[i]).ThenBy(i => i).ToArray()).ToArray();
        var curve = new List<BestOfNPoint>(total);
        for (int n = 1; n <= total; n++)
        {
            var w = SelectionWeights(total, n);
            double proxySum = 0, goldSum = 0, lengthSum = 0;
            for (int p = 0; p < proxy.Count; p++)
            {
                for (int rank = 0; rank < total; rank++)
                {
                    proxySum += w[rank] * proxy[p][ranked[p][rank]];
                    if (gold is not null) goldSum += w[rank] * gold[p][ranked[p][rank]];
                    if (lengths is not null) lengthSum += w[rank] * lengths[p][ranked[p][rank]];
                }
            }
            curve.Add(new BestOfNPoint(n, AnalyticKl(n), proxySum / proxy.Count, gold is null ? double.NaN : goldSum / proxy.Count)
            {
                Length = lengths is null ? double.NaN : lengthSum / proxy.Count,
            });
        }
        return curve;
    }

    public static BestOfNResult Run(CausalLm policy, IReadOnlyList<int[]> prompts, int n, GenerationOptions generation,
        IRewardSource proxy, IRewardSource? gold, long seed) =>
        Judge(prompts, n, Sample(policy, prompts, n, generation, seed), policy.Config.EosTokenId, proxy, gold);

    /// <summary>N responses per prompt from the policy, prompt-major (prompt p's samples are rows p·N .. p·N + N - 1).</summary>
    public static int[][] Sample(CausalLm policy, IReadOnlyList<int[]> prompts, int n, GenerationOptions generation, long seed)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "N must be at least 1");
        var repeated = prompts.SelectMany(p => Enumerable.Repeat(p, n)).ToArray();
        policy.eval();
        return BatchGenerator.Generate(policy, repeated, generation, new TorchSharp.torch.Generator((ulong)seed)).Responses;
    }

    /// <summary>Scores <see cref="Sample"/>'s responses with the proxy (and gold) and builds the curve and the per-prompt best.</summary>
    public static BestOfNResult Judge(IReadOnlyList<int[]> prompts, int n, int[][] responses, int eos, IRewardSource proxy, IRewardSource? gold)
    {
        if (responses.Length != prompts.Count * n) throw new ArgumentException($"{responses.Length} responses for {prompts.Count} prompts × {n}");
        var repeated = prompts.SelectMany(p => Enumerable.Repeat(p, n)).ToArray();
        var proxyScores = proxy.Score(repeated, responses).Chunk(n).ToArray();
        var goldScores = gold?.Score(repeated, responses).Chunk(n).ToArray();
        var best = proxyScores.Select(s => Enumerable.Range(0, n).MaxBy(i => (s[i], -i))).ToArray();
        var lengths = responses.Select(r => (double)r.Count(t => t != eos)).Chunk(n).ToArray();
        return new BestOfNResult(
            Curve(proxyScores, goldScores, lengths),
            best.Select((b, p) => responses[p * n + b]).ToArray(),
            best.Select((b, p) => proxyScores[p][b]).ToArray(),
            best.Select((b, p) => goldScores is null ? float.NaN : goldScores[p][b]).ToArray())
        {
            WinRates = goldScores is null || n < 2 ? null : SelectedWinRates(goldScores, lengths, best),
        };
    }

    /// <summary>Every (selected, other sample) pair of every prompt: outcome by gold, and the two lengths.</summary>
    public static Evaluation.WinRates SelectedWinRates(IReadOnlyList<float[]> gold, IReadOnlyList<double[]> lengths, IReadOnlyList<int> selected)
    {
        var outcomes = new List<double>();
        var selectedLengths = new List<double>();
        var otherLengths = new List<double>();
        for (int p = 0; p < gold.Count; p++)
        {
            int s = selected[p];
            for (int j = 0; j < gold[p].Length; j++)
            {
                if (j == s) continue;
                outcomes.Add(gold[p][s] > gold[p][j] ? 1.0 : gold[p][s] == gold[p][j] ? 0.5 : 0.0);
                selectedLengths.Add(lengths[p][s]);
                otherLengths.Add(lengths[p][j]);
            }
        }
        return Evaluation.WinRates.Compute(outcomes, selectedLengths, otherLengths);
    }
}
