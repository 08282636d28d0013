using Microsoft.Extensions.Options;
using RlhfPlatform.Storage.Checkpoints;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Storage.Tests;

public sealed class StorageFactoryTests
{
    [Fact]
    public async Task Builds_the_run_store_of_the_configured_kind()
    {
        var sqlite = StorageFactory.CreateRunStore(new RunStoreOptions { Kind = "sqlite", Path = "/tmp/x.db" });
        await using var sqliteLifetime = (IAsyncDisposable)sqlite;
        var postgres = StorageFactory.CreateRunStore(new RunStoreOptions { Kind = "Postgres", ConnectionString = "Host=db;Database=rlhf;Username=rlhf" });
        await using var postgresLifetime = (IAsyncDisposable)postgres;

        Assert.IsType<SqliteRunStore>(sqlite);
        Assert.IsType<PostgresRunStore>(postgres);
    }

    [Fact]
    public void Builds_the_checkpoint_store_of_the_configured_kind()
    {
        Assert.IsType<LocalFolderCheckpointStore>(StorageFactory.CreateCheckpointStore(new CheckpointStoreOptions { Kind = "local", Path = "/tmp/ckpt" }));
        // Blob calls retry while the service is away (CheckpointStore:RetrySeconds); 0 leaves the store bare.
        Assert.IsType<RetryingCheckpointStore>(StorageFactory.CreateCheckpointStore(new CheckpointStoreOptions
        {
            Kind = "azure-blob", ConnectionString = AzuriteFixture.ConnectionStringFor(10000), Container = "checkpoints",
        }));
        Assert.IsType<AzureBlobCheckpointStore>(StorageFactory.CreateCheckpointStore(new CheckpointStoreOptions
        {
            Kind = "azure-blob", ConnectionString = AzuriteFixture.ConnectionStringFor(10000), Container = "checkpoints", RetrySeconds = 0,
        }));
    }

    [Theory]
    [InlineData("", null, null, "RunStore:Kind is required")]
    [InlineData("mysql", null, null, "RunStore:Kind 'mysql' is not supported")]
    [InlineData("sqlite", null, "Host=db", "RunStore:Path is required")]
    [InlineData("postgres", "/tmp/x.db", null, "RunStore:ConnectionString is required")]
    [InlineData("postgres", null, "Database=rlhf", "RunStore:ConnectionString names no Host")]
    [InlineData("postgres", null, "Hots=db;Password=hunter2", "RunStore:ConnectionString is not a valid PostgreSQL connection string")]
    public void Incomplete_run_store_options_fail_naming_the_setting(string kind, string? path, string? connectionString, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            StorageFactory.CreateRunStore(new RunStoreOptions { Kind = kind, Path = path, ConnectionString = connectionString }));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Theory]
    [InlineData("", null, null, null, "CheckpointStore:Kind is required")]
    [InlineData("s3", null, null, null, "CheckpointStore:Kind 's3' is not supported")]
    [InlineData("local", null, null, null, "CheckpointStore:Path is required")]
    [InlineData("azure-blob", null, null, "checkpoints", "CheckpointStore:ConnectionString is required")]
    [InlineData("azure-blob", null, "UseDevelopmentStorage=true", null, "CheckpointStore:Container is required")]
    [InlineData("azure-blob", null, "UseDevelopmentStorage=true", "Check_Points", "CheckpointStore:Container 'Check_Points' is not a valid container name")]
    public void Incomplete_checkpoint_store_options_fail_naming_the_setting(
        string kind, string? path, string? connectionString, string? container, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => StorageFactory.CreateCheckpointStore(
            new CheckpointStoreOptions { Kind = kind, Path = path, ConnectionString = connectionString, Container = container }));

        Assert.Contains(expected, error.Message);
    }
}
