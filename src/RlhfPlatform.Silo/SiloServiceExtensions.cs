using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using RlhfPlatform.Grains;
using RlhfPlatform.Grains.Placement;
using RlhfPlatform.Silo.Clustering;
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
        services.AddSingleton(new ComputeOptions
        {
            Device = settings.Device, Threads = settings.ComputeThreads, Workers = settings.Devices.Count * settings.Silo.HeavyJobsPerDevice,
            DeviceCount = settings.Devices.Count,
        });
        services.AddSingleton<ComputeQueue>();
        services.AddSingleton(new CheckpointFilesOptions { WorkDirectory = settings.WorkDirectory });
        services.AddSingleton<CheckpointFiles>();
        services.AddSingleton<PolicyHandOff>();
        services.AddSingleton(new RunDriveOptions
        {
            Period = TimeSpan.FromSeconds(settings.Runs.DrivePeriodSeconds),
            Lease = TimeSpan.FromSeconds(settings.Runs.LeaseSeconds),
            MaxDrivenRuns = settings.Runs.MaxDriven,
            StallTimeout = TimeSpan.FromSeconds(settings.Runs.StallSeconds),
            StopTimeout = TimeSpan.FromSeconds(settings.Silo.ShutdownSeconds),
        });
        services.AddSingleton<LocalDrivers>();
        services.AddHostedService<DriverDrain>();
        services.AddSingleton<BestOfNSampleCache>();
        return services;
    }

    /// <summary>
    /// Clustering by kind (localhost: this process alone; postgres: membership and reminders in PostgreSQL;
    /// kubernetes: postgres with the silo's identity from its pod),
    /// reminders, and <see cref="UseRlhfPlacement"/>.
    /// </summary>
    public static ISiloBuilder UseRlhfClustering(this ISiloBuilder silo, RlhfSettings settings)
    {
        var cluster = settings.Cluster;
        if (cluster.Kind is "postgres" or "kubernetes")
        {
            if (cluster.Kind == "kubernetes")
            {
                // Orleans' Kubernetes hosting: silo name = pod name, advertised address = pod IP, cluster identity from the
                // pod's orleans/* labels; one or two silos watch the cluster's pods and declare the silo of a deleted pod dead.
                // Membership stays in PostgreSQL. Validate() made POD_* and ORLEANS_* agree with the settings below, so the
                // options it sets and the ones set here (registered after, so they win) are the same values.
                silo.UseKubernetesHosting(o => o.Configure(k => k.DeleteDefunctSiloPods = cluster.DeleteDefunctSiloPods));
                silo.Configure<SiloOptions>(o => o.SiloName = cluster.Pod.Name);
            }
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            silo.ConfigureEndpoints(AdvertisedAddress(cluster), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            AddPostgresTables(silo.Services, cluster);
            silo.Services.AddSingleton<IMembershipTable>(sp => sp.GetRequiredService<PostgresMembershipTable>());
            silo.Services.AddSingleton<IReminderTable, PostgresReminderTable>();
        }
        else
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            silo.UseInMemoryReminderService();
        }
        silo.AddReminders();
        // A shorter re-drive period than Orleans' one-minute floor is for tests and small clusters.
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(Math.Min(60, settings.Runs.DrivePeriodSeconds)));
        silo.UseRlhfPlacement(settings);
        // A stopping silo gives each run's driver this long to reach a step boundary (RunGrain.OnDeactivateAsync).
        silo.Configure<GrainCollectionOptions>(o => o.DeactivationTimeout = TimeSpan.FromSeconds(settings.Silo.ShutdownSeconds));
        silo.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(settings.Silo.ShutdownSeconds + 15));
        // Training steps run on the compute queue, but a 2-core machine still starves probes at times.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(10);
            o.NumMissedProbesLimit = 5;
        });
        return silo;
    }

    /// <summary>The silo's device and role as silo metadata, and the filter that keeps [HeavyWork] grains on heavy silos.</summary>
    public static ISiloBuilder UseRlhfPlacement(this ISiloBuilder silo, RlhfSettings settings)
    {
        silo.UseSiloMetadata(new Dictionary<string, string>
        {
            [SiloMetadataKeys.Heavy] = settings.Silo.Heavy ? "true" : "false",
            [SiloMetadataKeys.Device] = settings.Device,
            [SiloMetadataKeys.DeviceCount] = settings.Devices.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        silo.Services.AddPlacementFilter<HeavyWorkPlacementFilter, HeavyWorkPlacementFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.AddPlacementFilter<LightWorkPlacementFilter, LightWorkPlacementFilterDirector>(ServiceLifetime.Singleton);
        return silo;
    }

    /// <summary>The api role's connection to the cluster: the gateways of the same membership.</summary>
    public static IClientBuilder UseRlhfClustering(this IClientBuilder client, ClusterSettings cluster)
    {
        if (cluster.Kind is "postgres" or "kubernetes")
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            AddPostgresTables(client.Services, cluster);
            client.Services.AddSingleton<IGatewayListProvider, PostgresGatewayListProvider>();
        }
        else
        {
            client.UseLocalhostClustering(cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        }
        return client;
    }

    static void AddPostgresTables(IServiceCollection services, ClusterSettings cluster)
    {
        services.Configure<PostgresClusterOptions>(o => o.ConnectionString = cluster.ConnectionString);
        services.AddSingleton<PostgresClusterDatabase>();
        services.AddSingleton<PostgresMembershipTable>();
    }

    static IPAddress AdvertisedAddress(ClusterSettings cluster) =>
        !string.IsNullOrEmpty(cluster.AdvertisedAddress) ? IPAddress.Parse(cluster.AdvertisedAddress)
        : cluster.Kind == "kubernetes" ? IPAddress.Parse(cluster.Pod.IP)
        : IPAddress.Loopback;
}
