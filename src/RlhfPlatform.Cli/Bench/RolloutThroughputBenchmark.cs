using System.Diagnostics;
using RlhfPlatform.Cli.Hosting;
using RlhfPlatform.Contracts;
using RlhfPlatform.Grains;

namespace RlhfPlatform.Cli.Bench;

/// <summary>Rollouts of one step's prompts through N generator grains: samples per second, and whether they equal one generator's.</summary>
public sealed record RolloutThroughput(int Generators, int HeavyJobsAtOnce, double SamplesPerSecond, double TokensPerSecond, bool SameRolloutsAsOneGenerator);

/// <summary>
/// Times a run's generator grains on a committed policy version: the same request (prompts × samples,
/// per-sample seeds) cut into 1, 2 and 4 shards. Each count is warmed up once (the generators load the
/// policy and the reference), then timed over a few requests.
/// </summary>
public static class RolloutThroughputBenchmark
{
    const int Repeats = 3;

    public static async Task<RolloutThroughput> MeasureAsync(EmbeddedPlatform platform, string runId, RolloutRequest request, int generators,
        RolloutBatch oneGenerator, CancellationToken ct)
    {
        var fanOut = new RolloutFanOut(platform.Grains, runId, generators);
        var first = await fanOut.Generate(request);
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        for (int i = 0; i < Repeats; i++)
        {
            ct.ThrowIfCancellationRequested();
            var batch = await fanOut.Generate(request);
            tokens += batch.Responses.Sum(r => (long)r.Length);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        bool same = first.Responses.Length == oneGenerator.Responses.Length
            && first.Responses.Zip(oneGenerator.Responses).All(p => p.First.SequenceEqual(p.Second));
        return new RolloutThroughput(generators, platform.Settings.Silo.HeavyJobsPerDevice * platform.Settings.Devices.Count,
            Repeats * first.Responses.Length / seconds, tokens / seconds, same);
    }

    public static async Task<RolloutBatch> OneGeneratorAsync(EmbeddedPlatform platform, string runId, RolloutRequest request) =>
        await new RolloutFanOut(platform.Grains, runId, 1).Generate(request);
}
