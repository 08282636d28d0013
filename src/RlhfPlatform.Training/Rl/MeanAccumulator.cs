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

    /// <summary>Weighted means: a minibatch's metric from its micro-batches, each weighted by its rows or tokens.</summary>
    public sealed class Weighted
    {
        readonly Dictionary<string, (double Sum, double Weight)> sums = [];

        public void Add(string name, double value, double weight)
        {
            var (sum, total) = sums.GetValueOrDefault(name);
            sums[name] = (sum + value * weight, total + weight);
        }

        public Dictionary<string, double> Means() => sums.ToDictionary(kv => kv.Key, kv => kv.Value.Weight > 0 ? kv.Value.Sum / kv.Value.Weight : 0);
    }
}
