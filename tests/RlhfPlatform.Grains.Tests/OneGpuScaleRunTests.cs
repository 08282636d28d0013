using System.Text.Json;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>Runs with what makes real sizes fit one GPU, through the grains: bf16 roles, micro-batches sized by a token budget, LoRA.</summary>
public sealed class OneGpuScaleRunTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("one-gpu-").FullName;

    [Fact]
    public async Task ABf16RunWithMicroBatchesAndCheckpointingCompletesAndItsCheckpointsAreBf16()
    {
        var tiny = TinyRunSpec.Create("bf16", rlSteps: 2);
        var spec = tiny with
        {
            Policy = tiny.Policy with { Dtype = "bfloat16", GradientCheckpointing = true, Sft = tiny.Policy.Sft with { MicroBatchTokens = 200 } },
            RewardModel = tiny.RewardModel with { Dtype = "bfloat16", Objective = "grm-dpo", GradientCheckpointing = true },
            Rl = tiny.Rl with { MicroBatchTokens = 64 },
        };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await RunWaits.ForEndAsync(fixture.Cluster.Client, run.RunId, TimeSpan.FromMinutes(3));
        Assert.True(final.Status == RunStatus.Completed, (await fixture.RunStore.GetRunAsync(run.RunId))?.Error);

        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.All(metrics.Where(m => m.Name is "rl/loss" or "rl/kl" or "rm/loss" or "sft/loss"), m => Assert.True(double.IsFinite(m.Value), $"{m.Name} at {m.Step}: {m.Value}"));
        Assert.Equal([1L, 2L], metrics.Where(m => m.Name == "rl/gold_reward").Select(m => m.Step));
        foreach (var (kind, version) in new[] { ("policy", 0), ("policy", 2), ("rm-bt", 1) })
        {
            string copy = Path.Combine(folder, $"{kind}-{version}");
            await fixture.CheckpointStore.ReadAsync(run.RunId, kind, version, copy);
            using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(copy, "config.json")));
            Assert.Equal("bfloat16", config.RootElement.GetProperty("torch_dtype").GetString());
        }
    }

    [Theory]
    [InlineData("rloo", "shared")]
    [InlineData("ppo", "separate")]
    public async Task ALoraRunTrainsAdaptersForTheRewardModelAndThePolicyAndCommitsThemInPeftLayout(string algorithm, string critic)
    {
        var tiny = TinyRunSpec.Create("lora-" + algorithm, rlSteps: 2);
        var lora = new LoraSpec { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["q_proj", "v_proj", "up_proj"] };
        var spec = tiny with
        {
            Policy = tiny.Policy with { Lora = lora },
            RewardModel = tiny.RewardModel with { Lora = lora, Objective = "grm-dpo" },
            Rl = tiny.Rl with { Algorithm = algorithm, Ppo = new PpoSpec { Critic = critic } },
        };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await RunWaits.ForEndAsync(fixture.Cluster.Client, run.RunId, TimeSpan.FromMinutes(3));
        Assert.True(final.Status == RunStatus.Completed, (await fixture.RunStore.GetRunAsync(run.RunId))?.Error);
        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.Equal([1L, 2L], metrics.Where(m => m.Name == "rl/kl").Select(m => m.Step));
        Assert.Contains(metrics, m => m.Name == "rl/kl" && m.Value != 0); // the adapters moved the policy away from its reference

        var checkpoints = (await fixture.RunStore.GetCheckpointsAsync(run.RunId)).ToDictionary(c => (c.Kind, c.Version));
        // Version 0 is the merged SFT policy, a plain HF folder; later versions are adapters on it, a fraction of its size.
        string v0 = await Fetch(run.RunId, "policy", 0);
        Assert.True(File.Exists(Path.Combine(v0, "model.safetensors")) && !File.Exists(Path.Combine(v0, "adapter_config.json")));
        foreach (int version in new[] { 1, 2 })
        {
            string adapter = await Fetch(run.RunId, "policy", version);
            using var config = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(adapter, "adapter_config.json")));
            Assert.Equal("LORA", config.RootElement.GetProperty("peft_type").GetString());
            Assert.Equal("CAUSAL_LM", config.RootElement.GetProperty("task_type").GetString());
            Assert.Equal(4, config.RootElement.GetProperty("r").GetInt32());
            Assert.Equal($"rlhf:{run.RunId}/policy/0", config.RootElement.GetProperty("base_model_name_or_path").GetString());
            using var weights = Modeling.Checkpoints.SafeTensorsFile.Open(Path.Combine(adapter, "adapter_model.safetensors"));
            Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", weights.Entries.Keys);
            Assert.DoesNotContain(weights.Entries.Keys, k => k.Contains("k_proj") || !k.Contains("lora_"));
            Assert.True(checkpoints[("policy", version)].SizeBytes * 5 < checkpoints[("policy", 0)].SizeBytes,
                $"adapter v{version}: {checkpoints[("policy", version)].SizeBytes} bytes, the base {checkpoints[("policy", 0)].SizeBytes}");
        }
        // The reward model is scored merged; its adapter (with the fully trained score head) is kept beside in PEFT layout.
        string rm = await Fetch(run.RunId, "rm-bt", 1);
        using (var rmConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(rm, "adapter", "adapter_config.json"))))
        {
            Assert.Equal("SEQ_CLS", rmConfig.RootElement.GetProperty("task_type").GetString());
            Assert.Equal(["score"], rmConfig.RootElement.GetProperty("modules_to_save").EnumerateArray().Select(e => e.GetString()));
        }
        Assert.True(File.Exists(Path.Combine(rm, "model.safetensors")));

        // The last adapter on version 0 is the policy the evaluation judged: the same logits as the merged folder it makes.
        using var adapted = Modeling.Lora.AdapterCheckpoint.LoadCausalLmWithAdapter(v0, await Fetch(run.RunId, "policy", 2));
        using var merged = Modeling.Lora.AdapterCheckpoint.LoadCausalLmWithAdapter(v0, await Fetch(run.RunId, "policy", 2));
        Modeling.Lora.LoraModel.Merge(merged);
        using var ids = TorchSharp.torch.tensor(new long[,] { { 1, 40, 41, 42, 43 } });
        using var mask = TorchSharp.torch.ones_like(ids);
        adapted.eval();
        merged.eval();
        using var a = adapted.Logits(ids, mask, null);
        using var b = merged.Logits(ids, mask, null);
        Assert.True((a - b).abs().max().item<float>() < 1e-4);
    }

    async Task<string> Fetch(string runId, string kind, int version)
    {
        string copy = Path.Combine(folder, $"{runId}-{kind}-{version}");
        if (!Directory.Exists(copy)) await fixture.CheckpointStore.ReadAsync(runId, kind, version, copy);
        return copy;
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
