using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using RlhfPlatform.Cli.Bench;
using RlhfPlatform.Grains;
using RlhfPlatform.Modeling.Benchmarks;
using static TorchSharp.torch;

namespace RlhfPlatform.Cli.Commands;

/// <summary>`rlhf bench model`: GEMM peak, training-step FLOP/s, decode with and without the KV cache, batched generation.</summary>
public static class BenchCommand
{
    static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keeps · and + readable in the FLOP formula
    };

    public static Command Create()
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print the figures as JSON (every name ends with its unit)" };
        var quickOption = new Option<bool>("--quick") { Description = "Tiny sizes that finish in seconds (a smoke test, not figures)" };
        var threadsOption = new Option<int?>("--threads") { Description = "libtorch intra-op threads (default: libtorch's choice)" };
        var model = new Command("model", "Measure the model: GEMM peak, training step, decode with/without KV cache, batch throughput")
        {
            jsonOption, quickOption, threadsOption,
        };
        model.SetAction((result, ct) => RlhfCli.GuardAsync(result, () => Task.FromResult(
            RunModel(result.GetValue(jsonOption), result.GetValue(quickOption), result.GetValue(threadsOption)))));
        var stepsOption = new Option<int>("--steps") { Description = "RLOO steps in each of the two loops", DefaultValueFactory = _ => 30 };
        var loopJson = new Option<bool>("--json") { Description = "Print the figures as JSON (every name ends with its unit)" };
        var loopSize = new Option<string>("--size")
        {
            Description = "Size of the policy and reward model: small (4 layers, dim 256: steps of seconds, as real ones) or tiny (2 layers, dim 64: a quick check, where the per-step costs weigh most)",
            DefaultValueFactory = _ => "small",
        };
        loopSize.AcceptOnlyFromAmong([.. LoopBenchmark.ModelSizes.Keys]);
        var loopThreads = new Option<int?>("--threads") { Description = "libtorch intra-op threads of the loops' compute worker (default: the cores but one, as a silo)" };
        var loop = new Command("loop", "Orchestration overhead: the same RLOO steps through the grains and as direct in-process calls")
        {
            stepsOption, loopSize, loopJson, loopThreads,
        };
        loop.SetAction((result, ct) => RlhfCli.GuardAsync(result, () =>
            RunLoopAsync(result.GetValue(stepsOption), result.GetValue(loopSize)!, result.GetValue(loopJson), result.GetValue(loopThreads), ct)));
        return new Command("bench", "Benchmarks") { model, loop };
    }

    static async Task<int> RunLoopAsync(int steps, string size, bool json, int? threads, CancellationToken ct)
    {
        if (threads is < 1) throw new ArgumentException($"--threads must be at least 1 (got {threads})");
        if (steps is < 2 or > 10_000) throw new ArgumentException($"--steps must be 2 to 10000: the first step, which loads the models, is not timed (got {steps})");
        string work = Directory.CreateTempSubdirectory("rlhf-bench-loop-").FullName;
        try
        {
            var report = await LoopBenchmark.RunAsync(steps, size, threads ?? 0, work, stage => Console.Error.WriteLine($"bench: {stage}"), ct);
            if (json) Console.WriteLine(JsonSerializer.Serialize(new
            {
                steps = report.Steps,
                model_size = report.ModelSize,
                layers = report.Layers,
                dim = report.Dim,
                prompts_per_step = report.PromptsPerStep,
                samples_per_prompt = report.SamplesPerPrompt,
                max_new_tokens = report.MaxNewTokens,
                loops = report.Loops.Select(l => new
                {
                    checkpoint_every_steps = l.CheckpointEvery,
                    committed_policy_versions = l.CommittedPolicyVersions,
                    grains_ms_per_step = l.Grains.MeanMs,
                    direct_ms_per_step = l.Direct.MeanMs,
                    overhead_ratio = l.OverheadRatio,
                    grains_median_ms_per_step = l.Grains.MedianMs,
                    direct_median_ms_per_step = l.Direct.MedianMs,
                    median_overhead_ratio = l.MedianOverheadRatio,
                    grains_compute_idle_median_ms_per_step = l.Grains.MedianIdleMs,
                    idle_ratio = l.IdleRatio,
                    phases = PlatformTracing.RlPhases.Select(p => new
                    {
                        phase = p,
                        grains_ms_per_step = l.Grains.PhaseMeanMs(p),
                        grains_compute_busy_ms_per_step = l.Grains.PhaseMeanBusyMs(p),
                        grains_called_grain_ms_per_step = l.Grains.PhaseMeanGrainSideMs(p),
                        direct_ms_per_step = l.Direct.PhaseMeanMs(p),
                    }),
                    final_kl_grains_nats = l.FinalKlGrains,
                    final_kl_direct_nats = l.FinalKlDirect,
                    same_metrics = l.SameMetrics,
                }),
                rollouts = report.Rollouts.Select(r => new
                {
                    generators = r.Generators,
                    heavy_jobs_at_once = r.HeavyJobsAtOnce,
                    samples_per_second = r.SamplesPerSecond,
                    tokens_per_second = r.TokensPerSecond,
                    same_rollouts_as_one_generator = r.SameRolloutsAsOneGenerator,
                }),
            }, JsonOptions));
            else
            {
                Console.WriteLine($"RLOO steps: {report.Steps}, {report.ModelSize} model ({report.Layers} layers, dim {report.Dim}) ({report.PromptsPerStep} prompts × {report.SamplesPerPrompt} samples, {report.MaxNewTokens} new tokens)");
                foreach (var l in report.Loops)
                {
                    Console.WriteLine($"checkpoint every {l.CheckpointEvery} step(s): same metrics: {(l.SameMetrics ? "yes" : "no")} (final KL {l.FinalKlGrains:F4} / {l.FinalKlDirect:F4})");
                    Console.WriteLine($"  step mean    through grains {l.Grains.MeanMs,7:F1} ms   direct {l.Direct.MeanMs,7:F1} ms   overhead {l.OverheadRatio,7:P1}");
                    Console.WriteLine($"  step median  through grains {l.Grains.MedianMs,7:F1} ms   direct {l.Direct.MedianMs,7:F1} ms   overhead {l.MedianOverheadRatio,7:P1}");
                    Console.WriteLine($"  compute worker idle through grains {l.Grains.MedianIdleMs:F1} ms per step (median), {l.IdleRatio:P1} of a direct step");
                    foreach (string p in PlatformTracing.RlPhases)
                        Console.WriteLine($"  {p,-12} through grains {l.Grains.PhaseMeanMs(p),7:F1} ms (compute busy {l.Grains.PhaseMeanBusyMs(p),7:F1}" +
                            (l.Grains.PhaseMeanGrainSideMs(p) is { } called ? $", in the called grain {called,7:F1}" : "") + $")   direct {l.Direct.PhaseMeanMs(p),7:F1} ms");
                }
                foreach (var r in report.Rollouts)
                    Console.WriteLine($"rollouts: {r.Generators} generator(s), {r.HeavyJobsAtOnce} heavy job(s) at once: {r.SamplesPerSecond:F1} samples/s, " +
                        $"{r.TokensPerSecond:F0} tokens/s{(r.SameRolloutsAsOneGenerator ? "" : "  (rollouts differ from one generator's!)")}");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    static int RunModel(bool json, bool quick, int? threads)
    {
        if (threads is { } count)
        {
            if (count < 1) throw new ArgumentException($"--threads must be at least 1 (got {count})");
            set_num_threads(count);
        }
        var plan = quick ? BenchmarkPlan.QuickPlan : BenchmarkPlan.Full;
        var report = ModelBenchmark.Run(plan, CPU, stage => Console.Error.WriteLine($"bench: {stage}"));
        if (json) Console.WriteLine(JsonSerializer.Serialize(report, JsonOptions));
        else BenchmarkTables.Print(report);
        return 0;
    }
}
