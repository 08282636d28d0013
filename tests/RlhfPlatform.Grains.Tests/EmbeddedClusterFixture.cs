using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using RlhfPlatform.AdminApi;
using RlhfPlatform.Silo;
using RlhfPlatform.Storage;
using RlhfPlatform.Storage.Checkpoints;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A real Orleans test cluster (one silo) over the embedded stores in a temp folder.</summary>
public class EmbeddedClusterFixture : IAsyncLifetime
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-grains-").FullName;

    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IRunStore RunStore { get; private set; } = null!;
    public ICheckpointStore CheckpointStore { get; private set; } = null!;
    public string CheckpointRoot => Path.Combine(folder, "checkpoints");

    public async Task InitializeAsync()
    {
        RunStore = new SqliteRunStore(Path.Combine(folder, "runs.db"));
        await RunStore.InitializeAsync();
        CheckpointStore = new LocalFolderCheckpointStore(CheckpointRoot);
        await CheckpointStore.InitializeAsync();
        var settings = RlhfSettings.Embedded(folder) with { ComputeThreads = 1 };

        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddRlhfGrainServices(settings, RunStore, CheckpointStore);
            silo.UseRlhfPlacement(settings);
            silo.UseInMemoryReminderService();
            if (ResponseTimeout is { } timeout) silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
        });
        if (ResponseTimeout is { } clientTimeout) builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = clientTimeout));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Orleans' default response timeout for every call of the cluster; null keeps Orleans' 30 s.</summary>
    protected virtual TimeSpan? ResponseTimeout => null;

    public RunSubmission Submission => new(RunStore, Cluster.Client);

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}
