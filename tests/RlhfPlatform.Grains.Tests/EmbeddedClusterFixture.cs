using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using RlhfPlatform.AdminApi;
using RlhfPlatform.Silo;
using RlhfPlatform.Storage;
using RlhfPlatform.Storage.Checkpoints;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A real Orleans test cluster (one silo) over the embedded stores in a temp folder.</summary>
public sealed class EmbeddedClusterFixture : IAsyncLifetime
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
        builder.ConfigureSilo((_, silo) => silo.Services.AddRlhfGrainServices(settings, RunStore, CheckpointStore));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public RunSubmission Submission => new(RunStore, Cluster.Client);

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}
