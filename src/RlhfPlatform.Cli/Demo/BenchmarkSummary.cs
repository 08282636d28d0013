using RlhfPlatform.Training.Evaluation;

namespace RlhfPlatform.Cli.Demo;

/// <summary>One optimizer's figures of one reward model over seeds (mean, std, 95% interval each) and how many seeds over-optimized.</summary>
public sealed record OptimizerSummary(
    SeedSummary[] GoldAtKl, SeedSummary KlAtPeak, SeedSummary GoldEnd, SeedSummary ProxyEnd, SeedSummary KlEnd, SeedSummary Length,
    SeedSummary WinRate, SeedSummary LcWinRate, SeedSummary GoldDrop, int OverOptimized, int Seeds)
{
    public static OptimizerSummary Of(IReadOnlyList<RunFigures> seeds) => new(
        RunFigures.Budgets.Select((_, b) => SeedSummary.Of(seeds.Select(s => s.GoldAtKl[b]))).ToArray(),
        SeedSummary.Of(seeds.Select(s => s.KlAtPeak)), SeedSummary.Of(seeds.Select(s => s.GoldEnd)),
        SeedSummary.Of(seeds.Select(s => s.ProxyEnd)), SeedSummary.Of(seeds.Select(s => s.KlEnd)), SeedSummary.Of(seeds.Select(s => s.Length)),
        SeedSummary.Of(seeds.Select(s => s.WinRate)), SeedSummary.Of(seeds.Select(s => s.LcWinRate)),
        SeedSummary.Of(seeds.Select(s => s.GoldDrop)), seeds.Count(s => s.OverOptimized), seeds.Count);
}

/// <summary>Every seed of one reward model: each seed's figures and the summary over seeds, for RL and for Best-of-N.</summary>
public sealed record RewardModelSummary(string RewardModel, IReadOnlyList<SeedFigures> Seeds, OptimizerSummary Rl, OptimizerSummary BestOfN)
{
    public static RewardModelSummary Of(string rewardModel, IReadOnlyList<SeedFigures> seeds) => new(rewardModel, seeds,
        OptimizerSummary.Of(seeds.Select(s => s.Rl).ToArray()), OptimizerSummary.Of(seeds.Select(s => s.BestOfN).ToArray()));
}

/// <summary>One run's figures: its seed, run id and status, for RL and for Best-of-N.</summary>
public sealed record SeedFigures(int Seed, string RunId, string Status, RunFigures Rl, RunFigures BestOfN)
{
    public static SeedFigures Of(BenchmarkRun run) => new(run.Seed, run.RunId, run.Status, RunFigures.Rl(run), RunFigures.BestOfN(run));
}

/// <summary>The whole benchmark: per reward model (in the order given), every seed and the summary over seeds.</summary>
public static class BenchmarkSummary
{
    public static IReadOnlyList<RewardModelSummary> Of(IReadOnlyList<BenchmarkRun> runs, IReadOnlyList<string> rewardModels) =>
        rewardModels.Select(rm => RewardModelSummary.Of(rm,
            runs.Where(r => r.RewardModel == rm).OrderBy(r => r.Seed).Select(SeedFigures.Of).ToArray())).ToArray();
}
