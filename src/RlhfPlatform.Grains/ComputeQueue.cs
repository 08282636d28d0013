using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RlhfPlatform.Grains;

public sealed record ComputeOptions
{
    /// <summary>"cpu" or "cuda".</summary>
    public string Device { get; init; } = "cpu";
    /// <summary>libtorch intra-op threads; 0 = all cores.</summary>
    public int Threads { get; init; }
}

/// <summary>
/// The device's work queue: one dedicated thread runs every tensor job in turn, so seconds of
/// TorchSharp work never block Orleans' scheduler (whose turns must stay short for membership
/// probes) and one device runs one heavy job at a time. Grains await the returned task.
/// </summary>
public sealed class ComputeQueue : IDisposable
{
    readonly BlockingCollection<Action> work = new();
    readonly Thread thread;
    readonly ILogger<ComputeQueue> logger;

    public ComputeQueue(ComputeOptions options, ILogger<ComputeQueue> logger)
    {
        Options = options;
        this.logger = logger;
        thread = new Thread(Loop) { IsBackground = true, Name = $"compute:{options.Device}" };
        thread.Start();
    }

    public ComputeOptions Options { get; }

    public Task<T> Run<T>(Func<T> job, CancellationToken ct = default)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        work.Add(() =>
        {
            if (ct.IsCancellationRequested) { done.TrySetCanceled(ct); return; }
            try { done.TrySetResult(job()); }
            catch (Exception e) { done.TrySetException(e); }
        }, ct);
        return done.Task;
    }

    public Task Run(Action job, CancellationToken ct = default) => Run(() => { job(); return true; }, ct);

    /// <summary>
    /// Runs a job after seeding torch's global generator (dropout, init). Jobs of several runs
    /// interleave on this thread, so each job that draws from the global generator must seed it itself
    /// for a run's metrics to depend only on its spec and seed.
    /// </summary>
    public Task<T> RunSeeded<T>(long seed, Func<T> job, CancellationToken ct = default) =>
        Run(() => { TorchSharp.torch.manual_seed(seed); return job(); }, ct);

    void Loop()
    {
        int threads = Options.Threads > 0 ? Options.Threads : Environment.ProcessorCount;
        TorchSharp.torch.set_num_threads(threads);
        logger.LogInformation("Compute queue on {Device} with {Threads} libtorch threads", Options.Device, threads);
        foreach (var item in work.GetConsumingEnumerable()) item();
    }

    public void Dispose()
    {
        work.CompleteAdding();
        thread.Join(TimeSpan.FromSeconds(10));
        work.Dispose();
    }
}
