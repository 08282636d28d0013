using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RlhfPlatform.AdminApi;
using RlhfPlatform.Grains;
using RlhfPlatform.Silo;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Cli.Hosting;

/// <summary>
/// A started in-process silo over the embedded stores under one folder (SQLite run store, local
/// checkpoint folder), on free ports: what `rlhf demo` and `rlhf run` submit to. Disposing stops it.
/// </summary>
public sealed class EmbeddedPlatform : IAsyncDisposable
{
    readonly OpenedStores stores;
    readonly IHost host;

    EmbeddedPlatform(RlhfSettings settings, OpenedStores stores, IHost host)
    {
        Settings = settings;
        this.stores = stores;
        this.host = host;
    }

    public RlhfSettings Settings { get; }
    public IRunStore RunStore => stores.RunStore;
    public RunSubmission Submission => host.Services.GetRequiredService<RunSubmission>();
    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();
    public ComputeQueue Compute => host.Services.GetRequiredService<ComputeQueue>();

    /// <param name="computeThreads">libtorch intra-op threads of each compute worker; 0: the cores shared among the workers</param>
    /// <param name="heavyJobsAtOnce">heavy jobs the silo runs at once (Rlhf:Silo:HeavyJobsPerDevice on its one device)</param>
    public static async Task<EmbeddedPlatform> StartAsync(string outDirectory, CancellationToken ct, int computeThreads = 0, int heavyJobsAtOnce = 1)
    {
        var settings = RlhfSettings.Embedded(outDirectory) with
        {
            Cluster = new ClusterSettings { SiloPort = FreePort.Pick(), GatewayPort = FreePort.Pick() },
            ComputeThreads = computeThreads,
            Silo = new SiloSettings { HeavyJobsPerDevice = heavyJobsAtOnce },
        };
        var stores = await Stores.OpenAsync(settings.Validate(), ct);
        IHost? host = null;
        try
        {
            host = PlatformHost.EmbeddedSilo(settings, stores.RunStore, stores.CheckpointStore, LogLevel.Warning);
            await host.StartAsync(ct);
            return new EmbeddedPlatform(settings, stores, host);
        }
        catch
        {
            host?.Dispose();
            await stores.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync(CancellationToken.None);
        host.Dispose();
        await stores.DisposeAsync();
    }
}
