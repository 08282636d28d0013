using static TorchSharp.torch;

namespace RlhfPlatform.Modeling.Layers;

/// <summary>
/// Keys and values of every layer for a batch, preallocated to a capacity so that decoding writes in
/// place instead of concatenating (time per token stays flat as the sequence grows).
/// </summary>
public sealed class KvCache : IDisposable
{
    readonly Tensor[] keys, values;

    public KvCache(ModelConfig config, long batch, long capacity, ScalarType dtype, Device device)
    {
        Capacity = capacity;
        keys = new Tensor[config.NumLayers];
        values = new Tensor[config.NumLayers];
        // Uninitialised: reads are narrowed to the positions written so far.
        for (int i = 0; i < config.NumLayers; i++)
        {
            keys[i] = empty([batch, config.NumKvHeads, capacity, config.HeadDim], dtype, device);
            values[i] = empty([batch, config.NumKvHeads, capacity, config.HeadDim], dtype, device);
        }
    }

    public long Capacity { get; }

    /// <summary>Positions filled so far (same for every row; padding is handled by the mask).</summary>
    public long Length { get; private set; }

    /// <summary>Writes this step's keys/values [B, kvH, T, d] of one layer and returns views of all so far.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        long t = k.shape[2];
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} + {t} positions exceed its capacity {Capacity}");
        keys[layer].narrow(2, Length, t).copy_(k);
        values[layer].narrow(2, Length, t).copy_(v);
        return (keys[layer].narrow(2, 0, Length + t), values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called once per forward, after every layer appended the same number of positions.</summary>
    public void Advance(long positions) => Length += positions;

    public void Dispose()
    {
        foreach (var t in keys) t.Dispose();
        foreach (var t in values) t.Dispose();
    }
}
