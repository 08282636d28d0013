using RlhfPlatform.Modeling;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RlhfPlatform.Training.Data;

/// <summary>Preference data read from one file: pairs (ranking sets expanded), the ranking sets themselves, and the load report.</summary>
public sealed record PreferenceData(IReadOnlyList<PreferencePair> Pairs, IReadOnlyList<RankingSet> Rankings, DataLoadReport Report);

/// <summary>
/// Reads JSONL preference data of any format of <see cref="PreferenceRecords"/>. A malformed record
/// raises <see cref="DataFormatException"/> naming file, line and field; with skipInvalid it is
/// counted in the report (first messages kept as warnings) and reading goes on.
/// </summary>
public static class PreferenceFiles
{
    public static PreferenceData Read(string path, bool skipInvalid = false, IChatTemplate? template = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"data file not found: {path}", path);
        var records = new PreferenceRecords(template ?? new RoleColonChatTemplate());
        var report = new DataLoadReport();
        var pairs = new List<PreferencePair>();
        var rankings = new List<RankingSet>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            report.Records++;
            string where = $"{path}:{lineNumber}";
            try
            {
                var record = ParseObject(line, where);
                var (recordPairs, ranking) = records.Parse(record, where, report);
                pairs.AddRange(recordPairs);
                if (ranking != null) rankings.Add(ranking);
            }
            catch (DataFormatException e) when (skipInvalid)
            {
                report.SkippedInvalid++;
                report.Warn(e.Message);
            }
        }
        if (pairs.Count == 0 && rankings.Count == 0)
            throw new DataFormatException($"{path}: no usable records ({report.Summary()})");
        report.Pairs = pairs.Count;
        report.RankingSets = rankings.Count;
        return new PreferenceData(pairs, rankings, report);
    }

    static JsonObject ParseObject(string line, string where)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject ?? throw new DataFormatException($"{where}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new DataFormatException($"{where}: {JsonErrorText.Describe(e)}");
        }
    }
}
