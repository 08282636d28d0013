using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace RlhfPlatform.Grains;

public sealed record ComputeOptions
{
    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>libtorch intra-op threads of each worker; 0 = the cores but one divided among the workers (at least one each).</summary>
    public int Threads { get; init; }
    /// <summary>Heavy jobs run at once: devices × jobs per device, each on its own worker thread.</summary>
    public int Workers { get; init; } = 1;
    /// <summary>Devices of this silo (cuda:0 … cuda:N-1); grains are spread over them as they activate.</summary>
    public int DeviceCount { get; init; } = 1;
}

/// <summary>
/// The silo's compute admission: dedicated worker threads (devices × heavy jobs per device; one by
/// default) take tensor jobs in turn, so seconds of TorchSharp work never block Orleans' scheduler
/// (whose turns must stay short for membership probes) and no more heavy jobs run at once than the
/// silo admits. Grains await the returned task.
/// Torch's global generator (init, dropout, shuffles) is one per process: a job that may draw from it
/// (<see cref="Run{T}"/>, <see cref="RunSeeded{T}"/>) runs alone among such jobs; only a job that draws
/// nothing from it (<see cref="RunInference{T}"/>: sampling with its own generators, scoring) runs beside one.
/// </summary>
public sealed class ComputeQueue : IDisposable
{
    readonly BlockingCollection<Action> work = new();
    readonly Thread[] workers;
    readonly ILogger<ComputeQueue> logger;
    readonly object globalGenerator = new();

    public ComputeQueue(ComputeOptions options, ILogger<ComputeQueue> logger)
    {
        if (options.Workers < 1) throw new ArgumentException($"compute workers must be at least 1 (got {options.Workers})");
        Options = options;
        this.logger = logger;
        workers = Enumerable.Range(0, options.Workers)
            .Select(i => new Thread(Loop) { IsBackground = true, Name = $"compute:{options.Device}:{i}" }).ToArray();
        foreach (var worker in workers) worker.Start();
    }

    public ComputeOptions Options { get; }

    int nextDevice = -1;

    /// <summary>
    /// The torch device for a grain that is activating: "cpu", or the silo's CUDA devices in turn. A grain
    /// keeps its models and every tensor of its jobs there, whichever worker thread runs a job.
    /// </summary>
    public string AssignDevice()
    {
        if (Options.Device != "cuda") return Options.Device;
        int index = (int)((uint)Interlocked.Increment(ref nextDevice) % (uint)Math.Max(1, Options.DeviceCount));
        return $"cuda:{index}";
    }

    /// <summary>Runs a job that may draw from torch's global generator: never beside another such job.</summary>
    public Task<T> Run<T>(Func<T> job, CancellationToken ct = default) => Enqueue(() => { lock (globalGenerator) return job(); }, ct);

    public Task Run(Action job, CancellationToken ct = default) => Run(() => { job(); return true; }, ct);

    /// <summary>Runs a job that draws nothing from torch's global generator; it may run beside any other.</summary>
    public Task<T> RunInference<T>(Func<T> job, CancellationToken ct = default) => Enqueue(job, ct);

    /// <summary>
    /// Runs a job after seeding torch's global generator (dropout, init). Jobs of several runs
    /// interleave on the workers, so each job that draws from the global generator must seed it itself
    /// for a run's metrics to depend only on its spec and seed.
    /// </summary>
    public Task<T> RunSeeded<T>(long seed, Func<T> job, CancellationToken ct = default) =>
        Run(() => { TorchSharp.torch.manual_seed(seed); return job(); }, ct);

    Task<T> Enqueue<T>(Func<T> job, CancellationToken ct)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        long queued = Stopwatch.GetTimestamp();
        work.Add(() =>
        {
            if (ct.IsCancellationRequested) { done.TrySetCanceled(ct); return; }
            using var span = PlatformTracing.Source.StartActivity(PlatformTracing.ComputeJob)?
                .SetTag("compute.queued_ms", Stopwatch.GetElapsedTime(queued).TotalMilliseconds);
            try { done.TrySetResult(job()); }
            catch (Exception e) { done.TrySetException(e); }
        }, ct);
        return done.Task;
    }

    void Loop()
    {
        // libtorch applies one intra-op thread count to every parallel region: all workers set the same share of the cores.
        // One core is left to the runtime (Orleans, GC, the stores' writes): a parallel region waits for its slowest
        // thread, so one thread that shares its core with them slows every region (`rlhf bench loop`: the same
        // rollouts took 1.8 times as long through the grains with 2 threads on 2 cores, and no longer with 1).
        int threads = Options.Threads > 0 ? Options.Threads : Math.Max(1, (Environment.ProcessorCount - 1) / Options.Workers);
        TorchSharp.torch.set_num_threads(threads);
        logger.LogInformation("Compute worker {Worker} on {Device} with {Threads} libtorch threads", Thread.CurrentThread.Name, Options.Device, threads);
        foreach (var item in work.GetConsumingEnumerable()) item();
    }

    public void Dispose()
    {
        work.CompleteAdding();
        foreach (var worker in workers) worker.Join(TimeSpan.FromSeconds(10));
        work.Dispose();
    }
}
