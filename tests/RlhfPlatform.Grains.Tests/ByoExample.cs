using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Tests.Tokenization;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.RewardModels;
using static TorchSharp.torch;

namespace RlhfPlatform.Grains.Tests;

/// <summary>
/// examples/bring-your-own copied to a temp folder, with the two model folders its run.json names
/// written next to it: "model" (a tiny Llama-layout causal LM with a byte-level BPE tokenizer.json
/// and a ChatML chat template) and "gold-rm" (a tiny reward model on the same tokenizer, the judge).
/// </summary>
public sealed class ByoExample : IDisposable
{
    public ByoExample()
    {
        Folder = Directory.CreateTempSubdirectory("rlhf-byo-").FullName;
        CopyTree(Path.Combine(RepoRoot(), "examples", "bring-your-own"), Folder);
        string tokenizerFolder = Path.Combine(Folder, "tokenizer-source");
        Directory.CreateDirectory(tokenizerFolder);
        TinyBpeFolder.Write(tokenizerFolder);
        var tokenizer = TokenizerFiles.Load(tokenizerFolder);
        var config = ModelConfig.Small(tokenizer.VocabSize, 32, 1, 2, 160, tokenizer.BosId, tokenizer.EosId, tokenizer.PadId);
        manual_seed(11);
        using (var policy = new CausalLm(config))
            ModelCheckpoint.Save(policy, config, tokenizer, Path.Combine(Folder, "model"));
        using var gold = new TrainedRewardModel([RewardModelBase.Fresh(config, "linear", 12)], tokenizer);
        RewardModelFolder.Save(gold, Path.Combine(Folder, "gold-rm"));
    }

    public string Folder { get; }
    public string SpecPath => Path.Combine(Folder, "run.json");

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RlhfPlatform.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("RlhfPlatform.sln not found above the test binaries");
    }

    static void CopyTree(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
