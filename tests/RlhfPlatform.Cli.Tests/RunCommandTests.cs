using System.Text.Json;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains.Tests;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf run` on the specs under examples/: the synthetic one and the bring-your-own one end to end, bad input as one error line.</summary>
public sealed class RunCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-run-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static string Example(string name) => Path.Combine(ByoExample.RepoRoot(), "examples", name);

    [Fact]
    public void EveryExampleSpecPassesValidation()
    {
        var specs = Directory.GetFiles(Path.Combine(ByoExample.RepoRoot(), "examples"), "*.json", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}data{Path.DirectorySeparatorChar}")).ToArray();
        Assert.True(specs.Length >= 2, string.Join(", ", specs));
        using var byo = new ByoExample(); // the model folders the bring-your-own spec names
        foreach (string spec in specs)
        {
            string copy = spec.Contains("bring-your-own") ? byo.SpecPath : spec;
            var parsed = RunSpecParser.Parse(File.ReadAllText(copy), Path.GetDirectoryName(copy));
            Assert.False(string.IsNullOrEmpty(parsed.Name), spec);
        }
    }

    [Fact]
    public async Task SyntheticExampleRunsEndToEndAndWritesItsResults()
    {
        string json = Path.Combine(folder, "result.json");
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["run", Example("synthetic.json"), "--out", Path.Combine(folder, "out"), "--json", json, "--seed", "2"],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("gold reward", stdout);
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
        Assert.Equal("completed", result.GetProperty("status").GetString());
        var results = result.GetProperty("results");
        foreach (string key in new[] { "gold_reward_before", "gold_reward_after", "win_rate", "lc_win_rate", "length_after", "length_chars_after", "kl" })
            Assert.True(results.TryGetProperty(key, out _), key);
        Assert.Equal(3, results.GetProperty("policy_version").GetDouble());
        Assert.True(result.GetProperty("rewardModelEval").TryGetProperty("rm/heldout_accuracy", out _));
    }

    [Fact]
    public async Task BringYourOwnExampleRunsEndToEnd()
    {
        using var byo = new ByoExample();
        string json = Path.Combine(folder, "byo.json");
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["run", byo.SpecPath, "--out", Path.Combine(folder, "out"), "--json", json],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, stdout + stderr);
        var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
        Assert.InRange(result.GetProperty("results").GetProperty("win_rate").GetDouble(), 0, 1);
        Assert.InRange(result.GetProperty("rewardModelEval").GetProperty("rm/eval/ood/accuracy").GetDouble(), 0, 1);
        Assert.Contains("RM eval/id/accuracy", stdout);
    }

    [Theory]
    [InlineData("""{ "evaluation": { "judge": { "kind": "llm-as-judge" } } }""", "evaluation.judge.kind: must be one of reward-model, synthetic-length")]
    [InlineData("""{ "task": { "targetLength": 6 }, "evaluation": { "judge": { "kind": "synthetic-length", "targetLength": 9 } } }""", "task and evaluation.judge disagree")]
    [InlineData("""{ "prompts": { "train": "p.jsonl" } }""", "prompts: the synthetic-length judge generates its own prompts")]
    [InlineData("""{ "policy": { "base": "no-such-model" } }""", "policy.base: model folder not found")]
    [InlineData("""{ "evaluation": { "judge": { "kind": "reward-model", "model": "." } } }""", "prompts.train: a reward-model judge needs the RL prompts")]
    [InlineData("""{ "policy": { "sft": { "data": "/etc/hostname" } } }""", "policy.sft.data: not readable through a run spec")]
    public async Task BadSpecIsOneErrorLineNamingTheField(string spec, string expected)
    {
        string path = Path.Combine(folder, "spec.json");
        await File.WriteAllTextAsync(path, spec);
        File.WriteAllText(Path.Combine(folder, "p.jsonl"), """{"prompt": "hi"}""");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["run", path, "--out", Path.Combine(folder, "out")]);
        Assert.Equal(1, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, stderr);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }
}
