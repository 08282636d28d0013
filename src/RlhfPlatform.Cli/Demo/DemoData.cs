using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Cli.Demo;

/// <summary>Writes the demo's data files (SFT demonstrations, gold-labelled preference pairs with label noise).</summary>
public static class DemoData
{
    public static (string SftPath, string PairsPath, int Flipped) Write(string directory, int targetLength, bool quick, int seed)
    {
        Directory.CreateDirectory(directory);
        var task = new LengthTask(targetLength);
        string sft = Path.Combine(directory, "sft.jsonl"), pairsPath = Path.Combine(directory, "pairs.jsonl");
        JsonlFiles.WriteDemonstrations(sft, task.Demonstrations(quick ? 1000 : 3000, seed));
        var (pairs, flipped) = task.PreferencePairs(quick ? 1000 : 3000, labelNoise: 0.25, seed);
        JsonlFiles.WritePairs(pairsPath, pairs);
        return (sft, pairsPath, flipped);
    }
}
