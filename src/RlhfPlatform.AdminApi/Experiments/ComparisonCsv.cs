using System.Globalization;
using System.Text;

namespace RlhfPlatform.AdminApi.Experiments;

/// <summary>The comparison table as CSV (RFC 4180 quoting, invariant numbers, empty for a missing figure).</summary>
public static class ComparisonCsv
{
    public static string Write(ExperimentComparison comparison)
    {
        var csv = new StringBuilder("run_id,reward_model,objective,status,proxy_reward,gold_before,gold_after,length_before,length_after,win_rate,lc_win_rate,kl,overoptimized\n");
        foreach (var row in comparison.Rows)
        {
            csv.AppendJoin(',', Quote(row.RunId), Quote(row.RewardModel), Quote(row.Objective), Quote(row.Status),
                Number(row.ProxyReward), Number(row.GoldBefore), Number(row.GoldAfter), Number(row.LengthBefore),
                Number(row.LengthAfter), Number(row.WinRate), Number(row.LcWinRate), Number(row.Kl),
                row.OverOptimized switch { true => "true", false => "false", null => "" });
            csv.Append('\n');
        }
        return csv.ToString();
    }

    static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    static string Quote(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"") + "\"";
}
