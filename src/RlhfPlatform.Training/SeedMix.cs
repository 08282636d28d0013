namespace RlhfPlatform.Training;

/// <summary>
/// Derives independent, stable seeds from a run seed and a purpose. (HashCode.Combine and
/// string.GetHashCode are randomized per process, so they must never feed a seed.)
/// </summary>
public static class SeedMix
{
    /// <summary>SplitMix64 finalizer over (seed, stream), folded to a non-negative int.</summary>
    public static int Derive(long seed, long stream)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)stream + 0x632BE59BD9B4E019UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
