using DbUp;
using DbUp.Postgresql;
using Npgsql;

namespace RlhfPlatform.Storage.Migrations;

/// <summary>
/// Brings a PostgreSQL database to the latest schema. Several processes may start at once: an
/// advisory lock makes them take turns, so DbUp's journal check and the scripts it then runs are
/// never interleaved with another process's.
/// </summary>
internal static class PostgresMigrator
{
    // Any fixed number works; every process migrating this database only has to use the same one.
    private const long MigrationLockKey = 0x524C_4846_5F52_554E; // "RLHF_RUN"

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var lockConnection = await dataSource.OpenConnectionAsync(ct);
        // A transaction-scoped lock: ending the transaction (commit, rollback on dispose, or a dropped
        // connection) releases it, so no failure path can leave it held. DbUp uses its own connections.
        await using var lockScope = await lockConnection.BeginTransactionAsync(ct);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", lockConnection, lockScope))
        {
            acquire.Parameters.AddWithValue("key", MigrationLockKey);
            await acquire.ExecuteNonQueryAsync(ct);
        }
        SchemaMigrations.Apply(DeployChanges.To.PostgresqlDatabase(new PostgresqlConnectionManager(dataSource)), "postgres");
        await lockScope.CommitAsync(ct);
    }
}
