using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage;

/// <summary>A slice of an ordered list, cut by the database: skip <see cref="Offset"/> items, take at most <see cref="Limit"/>.</summary>
public readonly record struct PageRequest(int Offset, int Limit)
{
    public static PageRequest Everything => new(0, int.MaxValue);
}

/// <summary>One page of runs and how many runs the whole filtered list has.</summary>
public sealed record RunPage(IReadOnlyList<RunRecord> Runs, long Total);
