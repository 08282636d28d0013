using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using RlhfPlatform.Grains;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo;

public static class SiloServiceExtensions
{
    /// <summary>Registers the stores (already initialized) and what the grains need: the device's compute queue, checkpoint files.</summary>
    public static IServiceCollection AddRlhfGrainServices(this IServiceCollection services, RlhfSettings settings,
        IRunStore runStore, ICheckpointStore checkpointStore)
    {
        services.AddSingleton(runStore);
        services.AddSingleton(checkpointStore);
        services.AddSingleton(new ComputeOptions { Device = settings.Device, Threads = settings.ComputeThreads });
        services.AddSingleton<ComputeQueue>();
        services.AddSingleton(new CheckpointFilesOptions { WorkDirectory = settings.WorkDirectory });
        services.AddSingleton<CheckpointFiles>();
        services.AddSingleton<BestOfNSampleCache>();
        return services;
    }

    /// <summary>Clustering by kind. Embedded and dev: localhost.</summary>
    public static ISiloBuilder UseRlhfClustering(this ISiloBuilder silo, ClusterSettings cluster)
    {
        silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        // Training steps run on the compute queue, but a 2-core machine still starves probes at times.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(10);
            o.NumMissedProbesLimit = 5;
        });
        return silo;
    }
}
