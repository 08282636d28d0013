using System.Security.Cryptography;
using System.Text;

namespace RlhfPlatform.Grains;

/// <summary>
/// Best-of-N samples a silo has drawn recently, keyed by everything that determines them: the
/// reference policy's weights (sha256 of its model.safetensors), the prompts, N, the generation
/// options and the seed. Runs that share a reference policy and an evaluation recipe (the reward
/// models of one demo seed, or of one experiment) draw the same samples, so only the first run pays
/// for the generation; each still scores them with its own proxy. Holds the last few entries.
/// </summary>
public sealed class BestOfNSampleCache
{
    const int Capacity = 4;
    readonly LinkedList<(string Key, int[][] Responses)> entries = new();

    public static string Key(string referenceFolder, IReadOnlyList<int[]> prompts, int n, int maxNewTokens, double temperature, long seed)
    {
        using var weights = File.OpenRead(Path.Combine(referenceFolder, "model.safetensors"));
        string weightsHash = Convert.ToHexString(SHA256.HashData(weights));
        var text = new StringBuilder($"{weightsHash}|{n}|{maxNewTokens}|{temperature:R}|{seed}");
        foreach (var prompt in prompts) text.Append('|').AppendJoin(',', prompt);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public int[][] GetOrDraw(string key, Func<int[][]> draw)
    {
        lock (entries)
        {
            var hit = entries.FirstOrDefault(e => e.Key == key);
            if (hit.Responses != null) return hit.Responses;
        }
        var responses = draw();
        lock (entries)
        {
            entries.AddFirst((key, responses));
            while (entries.Count > Capacity) entries.RemoveLast();
        }
        return responses;
    }
}
