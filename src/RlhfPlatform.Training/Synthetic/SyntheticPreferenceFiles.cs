using RlhfPlatform.Training.Data;

namespace RlhfPlatform.Training.Synthetic;

/// <summary>Paths of the files <see cref="SyntheticPreferenceFiles.Write"/> produced.</summary>
public sealed record SyntheticFileSet(string Train, string InDistribution, string OutOfDistribution, string Ranking, int LabelsFlipped);

/// <summary>
/// Writes the synthetic length task's preference data as JSONL, so the reward-model commands can be
/// tried with no downloads: train.jsonl (optionally with label noise), id.jsonl (held-out, same
/// distribution, clean), ood-long.jsonl (responses past the target length, clean) and ranking.jsonl
/// (4 responses per prompt with gold scores). Different seed streams keep the files disjoint draws.
/// </summary>
public static class SyntheticPreferenceFiles
{
    public static SyntheticFileSet Write(string folder, LengthTask task, int trainPairs, int evalPairs, double labelNoise, int seed)
    {
        Directory.CreateDirectory(folder);
        var (train, flipped) = task.PreferencePairs(trainPairs, labelNoise, seed);
        var (heldOut, _) = task.PreferencePairs(evalPairs, 0.0, SeedMix.Derive(seed, 11));
        var files = new SyntheticFileSet(
            Path.Combine(folder, "train.jsonl"), Path.Combine(folder, "id.jsonl"),
            Path.Combine(folder, "ood-long.jsonl"), Path.Combine(folder, "ranking.jsonl"), flipped);
        JsonlFiles.WritePairs(files.Train, train);
        JsonlFiles.WritePairs(files.InDistribution, heldOut);
        JsonlFiles.WritePairs(files.OutOfDistribution, task.OodLongPairs(evalPairs, SeedMix.Derive(seed, 12)));
        JsonlFiles.WriteRankings(files.Ranking, task.RankingSets(Math.Max(1, evalPairs / 4), 4, SeedMix.Derive(seed, 13)));
        return files;
    }
}
