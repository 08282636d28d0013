namespace RlhfPlatform.Training.Data;

/// <summary>What loading a data file did: counts of everything kept, skipped, changed, with the first warnings.</summary>
public sealed class DataLoadReport
{
    public const int MaxWarnings = 20;

    readonly List<string> warnings = [];

    public int Records { get; set; }
    public int Pairs { get; set; }
    public int RankingSets { get; set; }
    /// <summary>Malformed records skipped under --skip-invalid.</summary>
    public int SkippedInvalid { get; set; }
    /// <summary>Rated pairs with equal ratings: no preference, so no pair.</summary>
    public int Ties { get; set; }
    /// <summary>Pairs whose prompt was cut from the left to fit the max length.</summary>
    public int PromptsTruncated { get; set; }
    /// <summary>Pairs whose labels were flipped by label noise.</summary>
    public int LabelsFlipped { get; set; }

    public IReadOnlyList<string> Warnings => warnings;

    public void Warn(string message)
    {
        if (warnings.Count < MaxWarnings) warnings.Add(message);
    }

    public string Summary() =>
        $"{Records} records → {Pairs} pairs, {RankingSets} ranking sets; {SkippedInvalid} invalid skipped, {Ties} ties, " +
        $"{PromptsTruncated} prompts truncated, {LabelsFlipped} labels flipped";
}
