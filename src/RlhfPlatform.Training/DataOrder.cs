namespace RlhfPlatform.Training;

/// <summary>Seeded reshuffle every epoch; hands out batches of indices and remembers where it is.</summary>
public sealed class DataOrder
{
    readonly int count;
    readonly Random rng;
    int[] order;
    int position;

    public DataOrder(int count, int seed)
    {
        if (count <= 0) throw new ArgumentException("no training examples");
        this.count = count;
        rng = new Random(seed);
        order = Shuffled();
    }

    public int Epoch { get; private set; }

    public int[] NextBatch(int size)
    {
        var batch = new int[Math.Min(size, count)];
        for (int i = 0; i < batch.Length; i++)
        {
            if (position == count)
            {
                order = Shuffled();
                position = 0;
                Epoch++;
            }
            batch[i] = order[position++];
        }
        return batch;
    }

    int[] Shuffled()
    {
        var indices = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(indices);
        return indices;
    }
}
