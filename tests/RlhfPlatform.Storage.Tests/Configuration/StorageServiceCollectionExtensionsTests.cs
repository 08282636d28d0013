using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage.Checkpoints;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Storage.Tests;

public sealed class StorageServiceCollectionExtensionsTests
{
    [Fact]
    public async Task Stores_configured_from_sections_are_usable()
    {
        using var folder = new TempFolder();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RunStore:Kind"] = "sqlite",
            ["RunStore:Path"] = folder.Combine("runs.db"),
            ["CheckpointStore:Kind"] = "local",
            ["CheckpointStore:Path"] = folder.Combine("checkpoints"),
        }).Build();
        await using var provider = new ServiceCollection()
            .AddRunStore(configuration.GetSection(RunStoreOptions.SectionName))
            .AddCheckpointStore(configuration.GetSection(CheckpointStoreOptions.SectionName))
            .BuildServiceProvider();

        var runs = provider.GetRequiredService<IRunStore>();
        var checkpoints = provider.GetRequiredService<ICheckpointStore>();
        await runs.InitializeAsync();
        await checkpoints.InitializeAsync();
        await runs.CreateRunAsync(new RunRecord("r1", "exp", "n", "{}", RunStatus.Pending, RunStage.Pending, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null));

        Assert.IsType<SqliteRunStore>(runs);
        Assert.Same(runs, provider.GetRequiredService<IRunStore>());
        Assert.NotNull(await runs.GetRunAsync("r1"));
        Assert.IsType<LocalFolderCheckpointStore>(checkpoints);
        Assert.True(Directory.Exists(folder.Combine("checkpoints")));
    }

    [Fact]
    public async Task Options_configured_in_code_are_validated_when_the_store_is_resolved()
    {
        await using var provider = new ServiceCollection()
            .AddCheckpointStore(options => options.Kind = "azure-blob")
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<ICheckpointStore>());

        Assert.Contains("CheckpointStore:ConnectionString is required", error.Message);
        Assert.Contains("CheckpointStore:Container is required", error.Message);
    }
}
