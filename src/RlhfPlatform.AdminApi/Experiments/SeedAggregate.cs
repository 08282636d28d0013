namespace RlhfPlatform.AdminApi.Experiments;

/// <summary>One figure of one reward model over its seeds: mean, sample standard deviation, and every seed's value.</summary>
public sealed record SeedStatistic(double Mean, double Std, IReadOnlyDictionary<int, double> Seeds);

/// <summary>
/// A reward model's completed runs summarised over seeds (figures of runs that did not complete are
/// left out; each figure counts the seeds that have it).
/// </summary>
public sealed record SeedAggregate(string RewardModel, string Objective, int Runs, int Completed, IReadOnlyDictionary<string, SeedStatistic> Figures)
{
    static readonly (string Name, Func<ComparisonRow, double?> Value)[] FigureColumns =
    [
        ("proxyReward", r => r.ProxyReward), ("goldBefore", r => r.GoldBefore), ("goldAfter", r => r.GoldAfter),
        ("lengthBefore", r => r.LengthBefore), ("lengthAfter", r => r.LengthAfter), ("winRate", r => r.WinRate),
        ("lcWinRate", r => r.LcWinRate), ("kl", r => r.Kl),
    ];

    public static IReadOnlyList<SeedAggregate> Of(IReadOnlyList<ComparisonRow> rows) =>
        rows.GroupBy(r => r.RewardModel, StringComparer.Ordinal).Select(group =>
        {
            var completed = group.Where(r => r.Status == "completed").ToList();
            var figures = new Dictionary<string, SeedStatistic>();
            foreach (var (name, value) in FigureColumns)
            {
                var perSeed = completed.Where(r => value(r) is { } v && !double.IsNaN(v))
                    .GroupBy(r => r.Seed).ToDictionary(g => g.Key, g => value(g.First())!.Value);
                if (perSeed.Count > 0) figures[name] = Statistic(perSeed);
            }
            return new SeedAggregate(group.Key, group.First().Objective, group.Count(), completed.Count, figures);
        }).ToList();

    static SeedStatistic Statistic(Dictionary<int, double> perSeed)
    {
        double mean = perSeed.Values.Average();
        double std = perSeed.Count < 2 ? 0 : Math.Sqrt(perSeed.Values.Sum(v => (v - mean) * (v - mean)) / (perSeed.Count - 1));
        return new SeedStatistic(mean, std, perSeed);
    }
}
