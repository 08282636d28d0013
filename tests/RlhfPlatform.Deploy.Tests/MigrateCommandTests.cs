using Npgsql;
using RlhfPlatform.Cli;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Deploy.Tests;

/// <summary>`rlhf migrate`, what the chart's hook Job runs, against a real PostgreSQL.</summary>
public sealed class MigrateCommandTests(PostgresServerFixture postgres) : IClassFixture<PostgresServerFixture>
{
    [Fact]
    public async Task Migrates_the_run_store_and_a_separate_cluster_database_then_exits()
    {
        string runStore = await postgres.CreateDatabaseAsync();
        string cluster = await postgres.CreateDatabaseAsync();
        using var folder = new TempFolder("rlhf-migrate-");
        var (code, output) = await RunAsync(new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = runStore,
            ["Rlhf__Cluster__Kind"] = "kubernetes",
            ["Rlhf__Cluster__ConnectionString"] = cluster,
        }, folder.Path);
        Assert.True(code == 0, output);
        Assert.Contains("run store (postgres): schema up to date", output);
        Assert.Contains("cluster tables (Kind=kubernetes): schema up to date", output);
        foreach (var database in new[] { runStore, cluster })
        {
            Assert.True(await TableExistsAsync(database, "runs"));
            Assert.True(await TableExistsAsync(database, "orleans_membership"));
            Assert.True(await TableExistsAsync(database, "api_keys"));
        }
        // Again: nothing to do, still success (every upgrade runs it).
        (code, output) = await RunAsync(new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = runStore,
            ["Rlhf__Cluster__Kind"] = "kubernetes",
            ["Rlhf__Cluster__ConnectionString"] = runStore,
        }, folder.Path);
        Assert.True(code == 0, output);
        Assert.DoesNotContain("cluster tables", output); // the same database: migrated once
    }

    [Fact]
    public async Task An_unreachable_database_fails_with_one_line_that_names_no_password()
    {
        using var folder = new TempFolder("rlhf-migrate-");
        var (code, output) = await RunAsync(new Dictionary<string, string>
        {
            ["Rlhf__RunStore__Kind"] = "postgres",
            ["Rlhf__RunStore__ConnectionString"] = $"Host=127.0.0.1;Port={FreeTcpPort.Pick()};Database=rlhf;Username=rlhf;Password=hunter2-secret;Timeout=2",
        }, folder.Path);
        Assert.NotEqual(0, code);
        Assert.Contains("error:", output);
        Assert.DoesNotContain("hunter2-secret", output);
    }

    static async Task<(int, string)> RunAsync(Dictionary<string, string> env, string outFolder)
    {
        using var scope = new EnvironmentScope(env);
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var captured = new StringWriter();
        Console.SetOut(captured);
        Console.SetError(captured);
        try
        {
            int code = await RlhfCli.RunAsync(["migrate", "--out", outFolder]);
            return (code, captured.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    static async Task<bool> TableExistsAsync(string connectionString, string table)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection);
        query.Parameters.AddWithValue("t", table);
        return (bool)(await query.ExecuteScalarAsync())!;
    }
}
