using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Cli.Demo;

/// <summary>
/// The benchmark as files: JSON (every seed's figures and the summaries; NaN written as null) and two
/// CSVs, one row per run and optimizer (benchmark.csv) and one per reward model, optimizer and figure
/// with mean, std and the 95% interval (benchmark-summary.csv).
/// </summary>
public static class BenchmarkFiles
{
    public static readonly JsonSerializerOptions JsonOptions = new(RunSpecParser.JsonOptions) { Converters = { new NanAsNull() } };

    public static string Json<T>(T value) => JsonSerializer.Serialize(value, JsonOptions);

    public static string SeedsCsv(IReadOnlyList<RewardModelSummary> summaries)
    {
        var csv = new StringBuilder("reward_model,seed,run_id,status,optimizer,"
            + string.Join(',', RunFigures.Budgets.Select(b => $"gold_at_kl_{b:0}"))
            + ",kl_at_peak,gold_at_peak,gold_end,proxy_end,kl_end,length,win_rate,lc_win_rate,overoptimized,gold_drop,proxy_rise\n");
        foreach (var s in summaries)
            foreach (var seed in s.Seeds)
                foreach (var (optimizer, f) in new[] { ("rl", seed.Rl), ("bon", seed.BestOfN) })
                {
                    csv.AppendJoin(',', [s.RewardModel, seed.Seed.ToString(CultureInfo.InvariantCulture), seed.RunId, seed.Status, optimizer,
                        .. f.GoldAtKl.Select(Number), Number(f.KlAtPeak), Number(f.GoldAtPeak), Number(f.GoldEnd), Number(f.ProxyEnd),
                        Number(f.KlEnd), Number(f.Length), Number(f.WinRate), Number(f.LcWinRate), f.OverOptimized ? "true" : "false",
                        Number(f.GoldDrop), Number(f.ProxyRise)]);
                    csv.Append('\n');
                }
        return csv.ToString();
    }

    public static string SummaryCsv(IReadOnlyList<RewardModelSummary> summaries)
    {
        var csv = new StringBuilder("reward_model,optimizer,figure,seeds,missing,mean,std,ci95_low,ci95_high\n");
        foreach (var s in summaries)
            foreach (var (optimizer, o) in new[] { ("rl", s.Rl), ("bon", s.BestOfN) })
            {
                var figures = RunFigures.Budgets.Select((b, i) => ($"gold_at_kl_{b:0}", o.GoldAtKl[i])).Concat(
                [
                    ("kl_at_peak", o.KlAtPeak), ("gold_end", o.GoldEnd), ("proxy_end", o.ProxyEnd), ("kl_end", o.KlEnd), ("length", o.Length),
                    ("win_rate", o.WinRate), ("lc_win_rate", o.LcWinRate), ("gold_drop", o.GoldDrop),
                ]);
                foreach (var (name, f) in figures)
                    csv.AppendJoin(',', s.RewardModel, optimizer, name, f.Count, f.Missing, Number(f.Mean), Number(f.Std), Number(f.Low), Number(f.High)).Append('\n');
                csv.AppendJoin(',', s.RewardModel, optimizer, "overoptimized_seeds", o.Seeds, 0, o.OverOptimized, "", "", "").Append('\n');
            }
        return csv.ToString();
    }

    static string Number(double value) => double.IsNaN(value) ? "" : value.ToString("R", CultureInfo.InvariantCulture);

    sealed class NanAsNull : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
