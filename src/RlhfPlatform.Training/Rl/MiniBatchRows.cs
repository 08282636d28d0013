namespace RlhfPlatform.Training.Rl;

/// <summary>A seeded shuffle of rows 0..count-1 cut into nearly equal minibatches.</summary>
public static class MiniBatchRows
{
    public static IEnumerable<long[]> Split(int count, int miniBatches, Random rng)
    {
        if (miniBatches < 1 || miniBatches > count) throw new ArgumentException($"{miniBatches} minibatches for {count} samples");
        var order = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
        if (miniBatches > 1) rng.Shuffle(order);
        for (int m = 0; m < miniBatches; m++)
        {
            int start = m * count / miniBatches, end = (m + 1) * count / miniBatches;
            yield return order[start..end];
        }
    }
}
