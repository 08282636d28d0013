using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf bench model --quick --json` runs and its JSON has every section with finite, positive figures (no timing thresholds).</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task LoopBenchTimesGrainsAndDirectCallsThatComputeTheSameMetrics()
    {
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["bench", "loop", "--steps", "6", "--size", "tiny", "--json"], timeout: TimeSpan.FromMinutes(4));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.DoesNotContain("failed unobserved", stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("tiny", root.GetProperty("model_size").GetString());
        Assert.Equal(64, root.GetProperty("dim").GetInt32());
        // Two runs through the grains, a checkpoint every 10 steps (so only the last of 6) and every step, each the same
        // computation as its direct loop: same seeds, same numbers.
        var loops = NonEmpty(root.GetProperty("loops"));
        Assert.Equal([(10, 2), (1, 7)], loops.Select(l => (l.GetProperty("checkpoint_every_steps").GetInt32(), l.GetProperty("committed_policy_versions").GetInt32())));
        foreach (var l in loops)
        {
            Assert.True(l.GetProperty("same_metrics").GetBoolean(), stdout);
            Assert.Equal(l.GetProperty("final_kl_grains_nats").GetDouble(), l.GetProperty("final_kl_direct_nats").GetDouble());
            foreach (string figure in new[] { "grains_ms_per_step", "direct_ms_per_step", "grains_median_ms_per_step", "direct_median_ms_per_step" })
                Positive(l.GetProperty(figure));
            foreach (string ratio in new[] { "overhead_ratio", "median_overhead_ratio" })
                Assert.True(double.IsFinite(l.GetProperty(ratio).GetDouble()));
            // The compute worker's idle time within a step is part of the step.
            double idle = l.GetProperty("grains_compute_idle_median_ms_per_step").GetDouble();
            Assert.InRange(idle, 0, l.GetProperty("grains_median_ms_per_step").GetDouble());
            // The driver's four phases, traced through the grains and timed in the direct loop; each phase's compute is within its time.
            var phases = NonEmpty(l.GetProperty("phases"));
            Assert.Equal(["rl.rollouts", "rl.scoring", "rl.gold", "rl.update"], phases.Select(p => p.GetProperty("phase").GetString()));
            foreach (var p in phases)
            {
                Positive(p.GetProperty("grains_ms_per_step"));
                Positive(p.GetProperty("direct_ms_per_step"));
                Assert.InRange(p.GetProperty("grains_compute_busy_ms_per_step").GetDouble(), 0, p.GetProperty("grains_ms_per_step").GetDouble());
            }
            Assert.True(phases.Sum(p => p.GetProperty("grains_ms_per_step").GetDouble()) <= l.GetProperty("grains_ms_per_step").GetDouble());
        }
        // Rollout throughput: 1 generator alone, then 1, 2 and 4 generator grains on a silo running two heavy jobs at once,
        // every fan-out sampling exactly what one generator samples.
        var rollouts = NonEmpty(root.GetProperty("rollouts"));
        Assert.Equal([(1, 1), (1, 2), (2, 2), (4, 2)],
            rollouts.Select(r => (r.GetProperty("generators").GetInt32(), r.GetProperty("heavy_jobs_at_once").GetInt32())));
        Assert.All(rollouts, r => Assert.True(r.GetProperty("same_rollouts_as_one_generator").GetBoolean(), stdout));
        Assert.All(rollouts, r => Positive(r.GetProperty("samples_per_second")));
    }

    [Fact]
    public async Task LoopBenchRefusesAnUnknownSizeOrTooFewStepsByName()
    {
        var (exit, _, stderr) = await RlhfProcess.RunAsync(["bench", "loop", "--size", "huge"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("huge", stderr);
        Assert.Contains("small", stderr);
        (exit, _, stderr) = await RlhfProcess.RunAsync(["bench", "loop", "--steps", "1"]);
        Assert.NotEqual(0, exit);
        Assert.Contains("--steps must be 2 to 10000", stderr);
    }

    [Fact]
    public async Task QuickModelBenchPrintsEverySectionAsJson()
    {
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["bench", "model", "--quick", "--json"], timeout: TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;

        Assert.True(root.GetProperty("environment").GetProperty("torch_threads").GetInt32() >= 1);
        var gemm = root.GetProperty("gemm");
        Assert.NotEmpty(gemm.GetProperty("sizes").EnumerateArray());
        Positive(gemm.GetProperty("peak_gflops_per_second"));

        var train = root.GetProperty("train");
        Assert.Contains("6·N·tokens", train.GetProperty("flop_formula").GetString());
        Positive(gemm.GetProperty("bf16_peak_gflops_per_second"));
        var trainSizes = NonEmpty(train.GetProperty("sizes"));
        foreach (var size in trainSizes)
            foreach (string figure in new[] { "tokens_per_second", "achieved_gflops_per_second", "ratio_to_gemm_peak", "best_seconds_per_step", "mean_seconds_per_step",
                         "ratio_to_same_precision_gemm_peak" })
                Positive(size.GetProperty(figure));
        // Each shape as fp32, bf16 and LoRA; LoRA trains a small fraction of the parameters and does fewer FLOPs per step.
        Assert.Equal(["fp32", "bf16", "lora-r16"], trainSizes.Select(s => s.GetProperty("variant").GetString()));
        var fp32 = trainSizes[0];
        var loraRow = trainSizes[2];
        Assert.Equal(fp32.GetProperty("parameters").GetInt64(), fp32.GetProperty("trainable_parameters").GetInt64());
        Assert.True(loraRow.GetProperty("trainable_parameters").GetInt64() < fp32.GetProperty("parameters").GetInt64() / 2, loraRow.ToString());
        // d64-L2, batch 2 × 32: frozen weights get no weight gradients, 4·N·tokens + 6·N_adapters·tokens + 12·layers·seq·hidden·tokens.
        double tokens = 2 * 32, attention = 12.0 * 2 * 32 * 64 * tokens;
        Assert.Equal((4.0 * loraRow.GetProperty("matmul_parameters").GetInt64() + 6.0 * loraRow.GetProperty("trainable_parameters").GetInt64()) * tokens + attention,
            loraRow.GetProperty("gflop_per_step").GetDouble() * 1e9, 1);
        Assert.Equal(6.0 * fp32.GetProperty("matmul_parameters").GetInt64() * tokens + attention, fp32.GetProperty("gflop_per_step").GetDouble() * 1e9, 1);

        var checkpointing = NonEmpty(root.GetProperty("checkpointing").GetProperty("sizes"));
        foreach (var size in checkpointing)
        {
            foreach (string figure in new[] { "activation_bytes_per_token", "checkpointed_activation_bytes_per_token", "planned_activation_bytes_per_token",
                         "best_seconds_per_step", "checkpointed_best_seconds_per_step", "checkpointed_step_time_ratio" })
                Positive(size.GetProperty(figure));
            Assert.True(size.GetProperty("checkpointed_activation_bytes_per_token").GetDouble() < size.GetProperty("activation_bytes_per_token").GetDouble(), size.ToString());
        }

        var modes = NonEmpty(root.GetProperty("decode").GetProperty("modes"));
        Assert.Equal([true, false], modes.Select(m => m.GetProperty("kv_cache").GetBoolean()));
        foreach (var mode in modes)
        {
            var lengths = NonEmpty(mode.GetProperty("lengths"));
            Assert.Equal(3, lengths.Count);
            foreach (var length in lengths)
                foreach (string figure in new[] { "tokens_per_second", "milliseconds_per_token_at_start", "milliseconds_per_token_at_end" })
                    Positive(length.GetProperty(figure));
        }

        var batches = NonEmpty(root.GetProperty("batch_generation").GetProperty("sizes"));
        Assert.Equal(1, batches[0].GetProperty("batch").GetInt32());
        Assert.All(batches, b => Positive(b.GetProperty("tokens_per_second")));
    }

    static List<JsonElement> NonEmpty(JsonElement array)
    {
        var items = array.EnumerateArray().ToList();
        Assert.NotEmpty(items);
        return items;
    }

    static void Positive(JsonElement figure)
    {
        double value = figure.GetDouble();
        Assert.True(double.IsFinite(value) && value > 0, $"expected a positive figure, got {value}");
    }
}
