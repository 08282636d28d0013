using System.Globalization;
using Spectre.Console;

namespace RlhfPlatform.Cli.Demo;

public sealed record DemoResultRow(string RewardModel, double GoldBefore, double GoldAfter, double LengthBefore, double LengthAfter, double WinRate);

public sealed record DemoPaths(string Out, string RunStore, string Checkpoints, string SftData, string PairData);

public sealed record DemoJson(string RunId, string Status, int Seed, bool Quick, double WallSeconds, IReadOnlyList<DemoResultRow> Rows, DemoPaths Paths);

public static class DemoOutput
{
    public static void Print(string runId, DemoResultRow row, DemoPaths paths, TimeSpan wall)
    {
        var table = new Table().Title($"run {Markup.Escape(runId)}")
            .AddColumns("reward model", "gold before", "gold after", "length before", "length after", "win rate vs SFT");
        table.AddRow(row.RewardModel, F(row.GoldBefore), F(row.GoldAfter), row.LengthBefore.ToString("F1", CultureInfo.InvariantCulture),
            row.LengthAfter.ToString("F1", CultureInfo.InvariantCulture), row.WinRate.ToString("P1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote: run store {Markup.Escape(paths.RunStore)}");
        AnsiConsole.MarkupLine($"       checkpoints {Markup.Escape(paths.Checkpoints)}");
        AnsiConsole.MarkupLine($"       data {Markup.Escape(paths.SftData)}, {Markup.Escape(paths.PairData)}");
        AnsiConsole.MarkupLine($"wall time {wall.TotalSeconds:F1} s");
    }

    static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
