using Microsoft.Data.Sqlite;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Storage.Tests;

public sealed class SqliteRunStoreTests : RunStoreContractTests
{
    private readonly TempFolder _folder = new();

    private string DatabasePath => _folder.Combine("nested", "runs.db");

    private protected override Task<IRunStore> CreateStoreAsync(TimeProvider clock) =>
        Task.FromResult<IRunStore>(new SqliteRunStore(DatabasePath, clock));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }

    [Fact]
    public async Task Migrations_are_applied_once()
    {
        await Store.InitializeAsync();
        await using (var other = new SqliteRunStore(DatabasePath))
            await other.InitializeAsync();

        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT count(*) FROM SchemaVersions";
        Assert.Equal((long)Directory.GetFiles(RepoPaths.SchemaFolder("sqlite"), "*.sql").Length, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_makes_the_store_unavailable_naming_the_path()
    {
        var path = _folder.Combine("not-a-db.db");
        await File.WriteAllTextAsync(path, new string('x', 4096));
        await using var store = new SqliteRunStore(path);

        var error = await Assert.ThrowsAsync<RunStoreUnavailableException>(() => store.InitializeAsync());

        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
