using System.Text.Json;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>Runs with what makes real sizes fit one GPU, through the grains: bf16 roles and micro-batches sized by a token budget.</summary>
public sealed class OneGpuScaleRunTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>, IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("one-gpu-").FullName;

    [Fact]
    public async Task ABf16RunWithMicroBatchesCompletesAndItsCheckpointsAreBf16()
    {
        var tiny = TinyRunSpec.Create("bf16", rlSteps: 2);
        var spec = tiny with
        {
            Policy = tiny.Policy with { Dtype = "bfloat16" },
            RewardModel = tiny.RewardModel with { Dtype = "bfloat16", Objective = "grm-dpo" },
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

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
