using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf plan`: every role of a spec with its bytes, the precision and LoRA rules, named HF shapes, and bad input as exit code 2.</summary>
public sealed class PlanCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-plan-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Float32SpecHasEveryRoleWithAdamWOnEveryWeight()
    {
        var root = await PlanJson(TinySpecs.Run("plan", "x"));
        var roles = root.GetProperty("roles").EnumerateArray().ToDictionary(r => r.GetProperty("role").GetString()!);
        Assert.Equal(["policy SFT", "policy trainer", "reference", "reward model trainer", "reward scorer", "generator"], roles.Keys);
        var trainer = roles["policy trainer"];
        long weights = trainer.GetProperty("weight_bytes").GetInt64();
        Assert.Equal(4 * trainer.GetProperty("parameters").GetInt64(), weights);
        Assert.Equal(weights, trainer.GetProperty("gradient_bytes").GetInt64());
        Assert.Equal(2 * weights, trainer.GetProperty("optimizer_bytes").GetInt64());
        Assert.Equal(0, trainer.GetProperty("master_weight_bytes").GetInt64());
        Assert.Equal(4, trainer.GetProperty("rows").GetInt64()); // promptsPerStep 2 × samplesPerPrompt 2, one minibatch
        Assert.Equal(48, trainer.GetProperty("sequence_length").GetInt64()); // the whole context: no prompt budget in the spec
        Assert.True(trainer.GetProperty("activation_bytes").GetInt64() > 0);
        Assert.True(roles["generator"].GetProperty("kv_cache_bytes").GetInt64() > 0);
        Assert.Equal(0, roles["reference"].GetProperty("optimizer_bytes").GetInt64());
        Assert.Equal(roles.Values.Sum(r => r.GetProperty("total_bytes").GetInt64()), root.GetProperty("total_bytes").GetInt64());
        Assert.True(root.GetProperty("all_fit_together").GetBoolean());
    }

    [Fact]
    public async Task MixedPrecisionKeepsAnFp32MasterAndMomentsAndCheckpointingShrinksActivations()
    {
        string Spec(bool checkpointing) => $$"""
        { "name": "p", "policy": { "model": { "maxSeqLen": 1024 }, "dtype": "bfloat16", "gradientCheckpointing": {{(checkpointing ? "true" : "false")}} },
          "rl": { "promptsPerStep": 8, "samplesPerPrompt": 4, "maxNewTokens": 256 }, "evaluation": { "maxNewTokens": 256 } }
        """;
        // The spec's own small shape (byte vocabulary): its blocks, not its logits, hold most activations.
        var plain = Role(await PlanJson(Spec(false), "--prompt-tokens", "256"), "policy trainer");
        var checkpointed = Role(await PlanJson(Spec(true), "--prompt-tokens", "256"), "policy trainer");
        long weights = plain.GetProperty("weight_bytes").GetInt64();
        Assert.Equal(2 * plain.GetProperty("parameters").GetInt64(), weights);
        Assert.Equal(2 * weights, plain.GetProperty("master_weight_bytes").GetInt64());
        Assert.Equal(4 * weights, plain.GetProperty("optimizer_bytes").GetInt64());
        Assert.Equal(512, plain.GetProperty("sequence_length").GetInt64());
        Assert.True(checkpointed.GetProperty("activation_bytes").GetInt64() * 3 < plain.GetProperty("activation_bytes").GetInt64());
    }

    [Fact]
    public async Task MicroBatchTokensBoundTheRowsOfAForward()
    {
        var root = await PlanJson("""
        { "name": "p", "policy": { "model": { "maxSeqLen": 64 }, "sft": { "batchSize": 32, "microBatchTokens": 200 } },
          "rl": { "promptsPerStep": 8, "samplesPerPrompt": 4, "miniBatches": 2, "microBatchTokens": 640 } }
        """);
        Assert.Equal(3, Role(root, "policy SFT").GetProperty("rows").GetInt64());      // 200 tokens / 64 per row
        Assert.Equal(10, Role(root, "policy trainer").GetProperty("rows").GetInt64()); // 640 / 64, within a 16-row minibatch
    }

    [Theory]
    [InlineData("qwen2.5-0.5b", 494_032_768L)]  // tied embeddings: 0.49B
    [InlineData("qwen2.5-7b", 7_615_616_512L)]  // 7.61B
    [InlineData("llama3-8b", 8_030_261_248L)]   // 8.03B
    public async Task NamedShapesHaveTheirPublishedParameterCounts(string model, long parameters)
    {
        var trainer = Role(await PlanJson(TinySpecs.Run("plan", "x"), "--model", model), "policy trainer");
        Assert.Equal(parameters, trainer.GetProperty("parameters").GetInt64());
    }

    [Fact]
    public async Task LoraTrainsOnlyTheAdaptersAndPpoAddsACritic()
    {
        var root = await PlanJson("""
        { "name": "p", "policy": { "lora": { "rank": 16, "targetModules": ["q_proj", "v_proj"] } },
          "rewardModel": { "lora": { "rank": 8 } }, "rl": { "algorithm": "ppo", "ppo": { "critic": "separate" } } }
        """, "--model", "qwen2.5-1.5b", "--prompt-tokens", "128");
        var trainer = Role(root, "policy trainer");
        // q_proj 1536→1536 and v_proj 1536→256 per block, rank 16, 28 blocks.
        Assert.Equal(28L * 16 * ((1536 + 1536) + (1536 + 256)), trainer.GetProperty("trainable_parameters").GetInt64());
        Assert.Equal(2 * trainer.GetProperty("trainable_parameters").GetInt64(), trainer.GetProperty("gradient_bytes").GetInt64() / 2);
        Assert.Contains(root.GetProperty("roles").EnumerateArray(), r => r.GetProperty("role").GetString() == "critic (value model)");
        var rewardTrainer = Role(root, "reward model trainer");
        Assert.True(rewardTrainer.GetProperty("trainable_parameters").GetInt64() < rewardTrainer.GetProperty("parameters").GetInt64() / 20);
    }

    [Fact]
    public async Task TablePrintsEveryRole()
    {
        string spec = await Write(TinySpecs.Run("plan", "x"));
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["plan", spec, "--device-memory", "141GB"]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("reference", stdout);
        Assert.Contains("generator", stdout);
        Assert.Contains("all roles on one device: ", stdout);
        Assert.Contains("of 131.3 GiB (fits)", stdout); // 141 GB, decimal
        // Through a pipe (80 columns) each role is a block of short lines, not a fifteen-column table broken into pieces.
        Assert.Contains("policy trainer: ", stdout);
        Assert.Contains("fits in 131.3 GiB", stdout);
        Assert.Contains("  weights ", stdout);
        Assert.All(stdout.Split('\n'), line => Assert.True(line.Length <= 160, line));
    }

    [Theory]
    [InlineData("missing.json", new string[0], "missing.json")]
    [InlineData(null, new[] { "--device-memory", "lots" }, "--device-memory 'lots'")]
    [InlineData(null, new[] { "--model", "gpt-5" }, "--model 'gpt-5' is not a known shape")]
    public async Task BadInputIsOneLineAndExitCodeTwo(string? specName, string[] extra, string expected)
    {
        string spec = specName is null ? await Write(TinySpecs.Run("plan", "x")) : Path.Combine(folder, specName);
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["plan", spec, .. extra]);
        Assert.Equal(2, exit);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, stderr);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public async Task InvalidSpecIsExitCodeTwo()
    {
        string spec = await Write("""{ "name": "x", "policy": { "lora": { "rank": 0 } } }""");
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["plan", spec]);
        Assert.Equal(2, exit);
        Assert.Contains("policy.lora.rank", stderr);
    }

    static JsonElement Role(JsonElement root, string name) =>
        root.GetProperty("roles").EnumerateArray().Single(r => r.GetProperty("role").GetString() == name);

    async Task<JsonElement> PlanJson(string specJson, params string[] extra)
    {
        string spec = await Write(specJson);
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["plan", spec, "--json", .. extra]);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    async Task<string> Write(string json)
    {
        string path = Path.Combine(folder, $"spec-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, json);
        return path;
    }
}
