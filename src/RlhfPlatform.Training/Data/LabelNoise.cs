namespace RlhfPlatform.Training.Data;

/// <summary>Flips the labels of exactly round(fraction · N) pairs, chosen with the seed (GRM's noisy-label setup used 25%).</summary>
public static class LabelNoise
{
    public static (IReadOnlyList<PreferencePair> Pairs, int Flipped) Apply(IReadOnlyList<PreferencePair> pairs, double fraction, int seed)
    {
        if (fraction is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "label noise must be in [0, 1]");
        int count = (int)Math.Round(fraction * pairs.Count, MidpointRounding.AwayFromZero);
        if (count == 0) return (pairs, 0);
        var indices = Enumerable.Range(0, pairs.Count).ToArray();
        new Random(SeedMix.Derive(seed, 303)).Shuffle(indices);
        var flip = indices.Take(count).ToHashSet();
        return (pairs.Select((p, i) => flip.Contains(i) ? p.Flipped() : p).ToArray(), count);
    }
}
