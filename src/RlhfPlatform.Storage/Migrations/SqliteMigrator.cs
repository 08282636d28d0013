using DbUp;
using Microsoft.Data.Sqlite;

namespace RlhfPlatform.Storage.Migrations;

/// <summary>Brings a SQLite database file to the latest schema.</summary>
internal static class SqliteMigrator
{
    public static async Task ApplyAsync(string connectionString, CancellationToken ct)
    {
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync(ct);
            // WAL lets readers run while a writer commits; the mode is stored in the file and
            // cannot be switched inside the transaction DbUp wraps each script in.
            await using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL";
            await wal.ExecuteNonQueryAsync(ct);
        }
        SchemaMigrations.Apply(DeployChanges.To.SqliteDatabase(connectionString), "sqlite");
    }
}
