using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using RlhfPlatform.Cli.Bench;
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
        return new Command("bench", "Benchmarks") { model };
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
