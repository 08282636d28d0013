namespace RlhfPlatform.Training;

/// <summary>
/// Seeded reshuffle every epoch; hands out batches of indices and remembers where it is. Epoch e's
/// order depends only on (seed, e), so the position (epoch, index) is the whole state: a resumed
/// trainer restores it with <see cref="Restore"/>.
/// </summary>
public sealed class DataOrder
{
    readonly int count;
    readonly int seed;
    int[] order;

    public DataOrder(int count, int seed)
    {
        if (count <= 0) throw new ArgumentException("no training examples");
        this.count = count;
        this.seed = seed;
        order = Shuffled(0);
    }

    public int Epoch { get; private set; }

    /// <summary>Index into this epoch's order of the next example.</summary>
    public int Position { get; private set; }

    public int[] NextBatch(int size)
    {
        var batch = new int[Math.Min(size, count)];
        for (int i = 0; i < batch.Length; i++)
        {
            if (Position == count)
            {
                Epoch++;
                order = Shuffled(Epoch);
                Position = 0;
            }
            batch[i] = order[Position++];
        }
        return batch;
    }

    public void Restore(int epoch, int position)
    {
        if (epoch < 0 || position < 0 || position > count)
            throw new ArgumentOutOfRangeException(nameof(position), $"data position (epoch {epoch}, index {position}) is outside {count} examples");
        Epoch = epoch;
        Position = position;
        order = Shuffled(epoch);
    }

    int[] Shuffled(int epoch)
    {
        var indices = Enumerable.Range(0, count).ToArray();
        new Random(SeedMix.Derive(seed, epoch)).Shuffle(indices);
        return indices;
    }
}
