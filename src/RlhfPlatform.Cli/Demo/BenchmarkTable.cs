using System.Globalization;
using RlhfPlatform.Training.Evaluation;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// The benchmark's tables, narrow enough for 80 columns (and for output that is not a terminal): per
/// optimizer one table of gold at KL budgets and one of end figures, short headers with a legend
/// below. With several seeds each cell holds three lines: the mean, ± the standard deviation over
/// seeds, and (± the half-width of the 95% interval of the mean).
/// </summary>
public static class BenchmarkTable
{
    public static IEnumerable<IRenderable> Render(IReadOnlyList<RewardModelSummary> summaries, int seeds)
    {
        string over = seeds == 1 ? "1 seed" : $"mean over {seeds} seeds, ± std, (± 95% interval)";
        foreach (var (label, pick, kl) in new (string, Func<RewardModelSummary, OptimizerSummary>, string)[]
                 {
                     ("RL (RLOO against the proxy)", s => s.Rl, "KL to the SFT policy, per-step sample estimate smoothed over " + RunFigures.RlWindow + " steps"),
                     ("Best-of-N from the SFT policy (proxy picks, gold judges)", s => s.BestOfN, "analytic KL of best-of-n, ln n − (n−1)/n"),
                 })
        {
            yield return new Markup($"[bold]{Markup.Escape(label)}[/]: {Markup.Escape(over)}\n");
            var budgets = new Table().Border(TableBorder.Simple).AddColumn("RM");
            foreach (double b in RunFigures.Budgets) budgets.AddColumn(new TableColumn($"g@{b:0}").RightAligned());
            budgets.AddColumn(new TableColumn("KL*").RightAligned()).AddColumn(new TableColumn("OO").RightAligned());
            foreach (var s in summaries)
            {
                var o = pick(s);
                var cells = new List<string> { Markup.Escape(s.RewardModel) };
                cells.AddRange(o.GoldAtKl.Select(g => Cell(g, "F3")));
                cells.Add(Cell(o.KlAtPeak, "F2"));
                cells.Add($"{o.OverOptimized}/{o.Seeds}");
                budgets.AddRow(cells.ToArray());
            }
            yield return budgets;
            yield return Legend($"g@k: gold reward at k nats of KL ({kl}; – not reached). KL*: KL at the gold peak. " +
                                $"OO: seeds that over-optimized (smoothed gold fell ≥ {RunFigures.MinGoldDrop} past its peak while the proxy rose).");

            var end = new Table().Border(TableBorder.Simple).AddColumn("RM");
            foreach (string h in new[] { "gold", "proxy", "KL", "len", "win", "LC win" }) end.AddColumn(new TableColumn(h).RightAligned());
            foreach (var s in summaries)
            {
                var o = pick(s);
                end.AddRow(Markup.Escape(s.RewardModel), Cell(o.GoldEnd, "F2"), Cell(o.ProxyEnd, "F2"), Cell(o.KlEnd, "F1"),
                    Cell(o.Length, "F1"), Cell(o.WinRate, "P1"), Cell(o.LcWinRate, "P1"));
            }
            yield return end;
            yield return Legend("At the end: gold and proxy reward, KL, length in tokens, gold win rate and length-controlled win rate against the SFT policy " +
                                (label.StartsWith("RL", StringComparison.Ordinal) ? "(the final policy on held-out prompts)." : "(the best of the largest N against the other samples of its prompt)."));
        }
    }

    static IRenderable Legend(string text) => new Markup($"[dim]{Markup.Escape(text)}[/]\n");

    /// <summary>mean; with several seeds also "±std" and "(±half-width of the 95% interval)" on the next lines; – when missing.</summary>
    public static string Cell(SeedSummary s, string format)
    {
        if (s.Count == 0) return "–";
        bool percent = format.StartsWith('P');
        string F(double v) => percent ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) : v.ToString(format, CultureInfo.InvariantCulture);
        string mean = percent ? F(s.Mean) + "%" : F(s.Mean);
        if (double.IsNaN(s.Std)) return s.Missing > 0 ? $"{mean}\n1 seed" : mean;
        string missing = s.Missing > 0 ? $"\n{s.Count} seeds" : "";
        return $"{mean}\n±{F(s.Std)}\n(±{F(s.High - s.Mean)}){missing}";
    }
}
