using Npgsql;
using RlhfPlatform.Storage.Migrations;

namespace RlhfPlatform.Storage;

/// <summary>Brings a PostgreSQL database to the latest schema (run store and Orleans cluster tables); safe to call from several processes at once.</summary>
public static class PostgresDatabase
{
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, CancellationToken ct = default) =>
        await PostgresMigrator.ApplyAsync(dataSource, ct);
}
