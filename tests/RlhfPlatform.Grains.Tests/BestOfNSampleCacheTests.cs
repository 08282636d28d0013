using RlhfPlatform.Grains;

namespace RlhfPlatform.Grains.Tests;

/// <summary>Runs that would draw the same Best-of-N samples get the first run's; anything that changes the draw changes the key.</summary>
public sealed class BestOfNSampleCacheTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-bon-cache-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string Reference(string name, byte[] weights)
    {
        string path = Directory.CreateDirectory(Path.Combine(folder, name)).FullName;
        File.WriteAllBytes(Path.Combine(path, "model.safetensors"), weights);
        return path;
    }

    [Fact]
    public void SameKeyDrawsOnceAndAnythingThatChangesTheSamplesChangesTheKey()
    {
        string a = Reference("a", [1, 2, 3]), sameWeights = Reference("copy", [1, 2, 3]), other = Reference("b", [1, 2, 4]);
        int[][] prompts = [[1, 5, 6], [1, 7]];
        string key = BestOfNSampleCache.Key(a, prompts, 256, 24, 1.0, seed: 9);
        Assert.Equal(key, BestOfNSampleCache.Key(sameWeights, prompts, 256, 24, 1.0, seed: 9));
        Assert.All(new[]
        {
            BestOfNSampleCache.Key(other, prompts, 256, 24, 1.0, seed: 9),
            BestOfNSampleCache.Key(a, [[1, 5, 6], [1, 8]], 256, 24, 1.0, seed: 9),
            BestOfNSampleCache.Key(a, prompts, 128, 24, 1.0, seed: 9),
            BestOfNSampleCache.Key(a, prompts, 256, 32, 1.0, seed: 9),
            BestOfNSampleCache.Key(a, prompts, 256, 24, 0.7, seed: 9),
            BestOfNSampleCache.Key(a, prompts, 256, 24, 1.0, seed: 10),
        }, k => Assert.NotEqual(key, k));

        var cache = new BestOfNSampleCache();
        int draws = 0;
        int[][] Draw() { draws++; return [[draws]]; }
        var first = cache.GetOrDraw(key, Draw);
        Assert.Same(first, cache.GetOrDraw(key, Draw));
        Assert.Equal(1, draws);
        cache.GetOrDraw("another", Draw);
        Assert.Equal(2, draws);
    }
}
