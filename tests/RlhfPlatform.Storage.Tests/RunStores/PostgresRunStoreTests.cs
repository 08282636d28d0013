using System.Diagnostics;
using Npgsql;
using RlhfPlatform.Contracts;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Storage.Tests;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRunStoreTests(PostgresServerFixture server) : RunStoreContractTests
{
    private string _connectionString = "";

    private protected override async Task<IRunStore> CreateStoreAsync(TimeProvider clock)
    {
        _connectionString = await server.CreateDatabaseAsync();
        return new PostgresRunStore(_connectionString, clock);
    }

    [Fact]
    public async Task Migrations_are_applied_once()
    {
        await Store.InitializeAsync();

        Assert.Equal(Directory.GetFiles(RepoPaths.SchemaFolder("postgres"), "*.sql").Length, await CountAppliedMigrationsAsync(_connectionString));
    }

    [Fact]
    public async Task Stores_starting_together_on_a_new_database_migrate_it_once()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresRunStore(connectionString)).ToList();
        try
        {
            await Task.WhenAll(stores.Select(store => Task.Run(() => store.InitializeAsync())));

            Assert.Equal(Directory.GetFiles(RepoPaths.SchemaFolder("postgres"), "*.sql").Length, await CountAppliedMigrationsAsync(connectionString));
            await stores[0].CreateRunAsync(new RunRecord("r1", "exp", "n", "{}", RunStatus.Pending, RunStage.Pending,
                DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null));
            Assert.NotNull(await stores[3].GetRunAsync("r1"));
        }
        finally
        {
            foreach (var store in stores)
                await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_closed_port_makes_the_store_unavailable_naming_host_and_port_but_not_the_password()
    {
        var port = FreeTcpPort.Pick();
        await using var store = new PostgresRunStore($"Host=127.0.0.1;Port={port};Database=rlhf;Username=rlhf;Password=s3cret-pw");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RunStoreUnavailableException>(() => store.InitializeAsync());

        Assert.Contains($"127.0.0.1:{port}/rlhf", error.Message);
        Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("s3cret-pw", error.ToString());
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task An_unknown_host_makes_the_store_unavailable_naming_it()
    {
        await using var store = new PostgresRunStore("Host=no-such-host.invalid;Port=5432;Database=rlhf;Username=rlhf");

        var error = await Assert.ThrowsAsync<RunStoreUnavailableException>(() => store.InitializeAsync());

        Assert.Contains("no-such-host.invalid:5432/rlhf", error.Message);
    }

    [Fact]
    public async Task An_unknown_role_makes_the_store_unavailable_with_the_server_reason()
    {
        await using var store = new PostgresRunStore($"Host=127.0.0.1;Port={server.Port};Database=postgres;Username=nobody");

        var error = await Assert.ThrowsAsync<RunStoreUnavailableException>(() => store.GetRunAsync("r1"));

        Assert.Contains($"127.0.0.1:{server.Port}/postgres", error.Message);
        Assert.Contains("nobody", error.Message);
    }

    [Fact]
    public async Task An_unknown_database_makes_the_store_unavailable()
    {
        await using var store = new PostgresRunStore(server.ConnectionString("no_such_db"));

        var error = await Assert.ThrowsAsync<RunStoreUnavailableException>(() => store.InitializeAsync());

        Assert.Contains($"127.0.0.1:{server.Port}/no_such_db", error.Message);
        Assert.Contains("3D000", error.Message);
    }

    private static async Task<int> CountAppliedMigrationsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM schemaversions", connection);
        return Convert.ToInt32(await count.ExecuteScalarAsync());
    }
}
