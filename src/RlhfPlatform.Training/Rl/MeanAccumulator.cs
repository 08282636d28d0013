namespace RlhfPlatform.Training.Rl;

/// <summary>Means of named values added over the minibatches of one step.</summary>
public sealed class MeanAccumulator
{
    readonly Dictionary<string, (double Sum, int Count)> sums = [];

    public void Add(string name, double value)
    {
        var (sum, count) = sums.GetValueOrDefault(name);
        sums[name] = (sum + value, count + 1);
    }

    public Dictionary<string, double> Means() => sums.ToDictionary(kv => kv.Key, kv => kv.Value.Sum / kv.Value.Count);
}
