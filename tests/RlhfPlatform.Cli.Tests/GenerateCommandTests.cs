using System.Text.Json;
using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Tokenization;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf generate` on a tiny model saved by the test in the HF layout.</summary>
public sealed class GenerateCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-generate-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    void SaveTinyModel()
    {
        var tokenizer = new ByteTokenizer();
        var config = ModelConfig.Small(tokenizer.VocabSize, dim: 32, layers: 2, heads: 4, maxPositions: 64,
            bos: tokenizer.BosId, eos: tokenizer.EosId, pad: tokenizer.PadId) with { NumKvHeads = 2 };
        manual_seed(4);
        using var model = new CausalLm(config);
        ModelCheckpoint.Save(model, config, tokenizer, folder);
    }

    [Fact]
    public async Task JsonOutputHasTokensTextAndLogProbsAndTheSeedRepeats()
    {
        SaveTinyModel();
        string[] args = ["generate", "--model", folder, "--prompt", "ab", "--max-new-tokens", "6", "--seed", "3", "--top-k", "50", "--json"];
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(args);
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal([256, 97, 98], root.GetProperty("prompt_tokens").EnumerateArray().Select(e => e.GetInt32()));
        int[] tokens = root.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.InRange(tokens.Length, 1, 6);
        Assert.Equal(tokens.Length, root.GetProperty("log_probs").GetArrayLength());
        Assert.All(root.GetProperty("log_probs").EnumerateArray(), p => Assert.True(p.GetDouble() <= 0));
        Assert.Equal(new ByteTokenizer().Decode(tokens), root.GetProperty("text").GetString());
        Assert.Contains(root.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });

        var (_, again, _) = await RlhfProcess.RunAsync(args);
        using var second = JsonDocument.Parse(again);
        Assert.Equal(tokens, second.RootElement.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task ChatWithoutATemplateIsOneErrorLine()
    {
        SaveTinyModel();
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["generate", "--model", folder, "--prompt", "hi", "--chat"]);
        Assert.Equal(1, exit);
        Assert.Matches(@"^error: [^\n]*no chat template[^\n]*\s*$", stderr);
    }

    [Fact]
    public async Task FolderWithoutAModelIsOneErrorLine()
    {
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["generate", "--model", folder, "--prompt", "hi"]);
        Assert.Equal(1, exit);
        Assert.Matches(@"^error: no tokenizer in .*\s*$", stderr);
    }
}
