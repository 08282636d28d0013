using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Checkpoints;
using RlhfPlatform.Modeling.Tokenization;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Tests;

/// <summary>Failures that are not the user's input still end a command with one line naming the stage, and no stack trace.</summary>
public sealed class NativeErrorTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-native-").FullName;

    public NativeErrorTests()
    {
        var tokenizer = new ByteTokenizer();
        var config = ModelConfig.Small(tokenizer.VocabSize, dim: 32, layers: 1, heads: 2, maxPositions: 32,
            bos: tokenizer.BosId, eos: tokenizer.EosId, pad: tokenizer.PadId);
        manual_seed(5);
        using var model = new CausalLm(config);
        ModelCheckpoint.Save(model, config, tokenizer, folder);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static string SingleErrorLine(int exitCode, string stderr)
    {
        Assert.Equal(1, exitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{stderr}");
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Exception raised from", stderr);
        Assert.DoesNotContain("frame #", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
        return lines[0];
    }

    [Fact]
    public async Task LibtorchErrorDuringGenerationIsOneLineNamingTheCommand()
    {
        // The meta device holds shapes but no data: the model loads onto it, then a sampling op has no meta kernel and libtorch throws.
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["generate", "--model", folder, "--prompt", "ab", "--max-new-tokens", "3", "--device", "meta"]);
        string line = SingleErrorLine(exit, stderr);
        Assert.StartsWith("error: generate: ", line);
        Assert.Contains("Meta tensors", line);
    }

    [Fact]
    public async Task UnexpectedDotNetErrorIsOneLineNamingTheCommand()
    {
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["generate", "--model", folder, "--prompt", "ab", "--device", "cuda"]);
        Assert.Equal("error: generate: CUDA is not available.", SingleErrorLine(exit, stderr));
    }

    [Fact]
    public async Task UnknownDeviceIsNamed()
    {
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["generate", "--model", folder, "--prompt", "ab", "--device", "tpu"]);
        Assert.Equal("error: unknown device 'tpu' (use cpu, cuda or cuda:N)", SingleErrorLine(exit, stderr));
    }

    [Fact]
    public async Task DebugVariableAddsTheStackTrace()
    {
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["generate", "--model", folder, "--prompt", "ab", "--device", "cuda"],
            new Dictionary<string, string> { ["RLHF_DEBUG"] = "1" });
        Assert.Equal(1, exit);
        Assert.StartsWith("error: generate: CUDA is not available.", stderr);
        Assert.Contains("   at ", stderr);
    }
}
