using Microsoft.Extensions.Options;
using Npgsql;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo.Clustering;

/// <summary>One Npgsql data source per process for the cluster tables, migrated once before first use.</summary>
public sealed class PostgresClusterDatabase(IOptions<PostgresClusterOptions> options) : IAsyncDisposable
{
    readonly NpgsqlDataSource dataSource = NpgsqlDataSource.Create(options.Value.ConnectionString);
    readonly SemaphoreSlim migrated = new(1, 1);
    bool ready;

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct = default)
    {
        if (!ready)
        {
            await migrated.WaitAsync(ct);
            try
            {
                if (!ready) await PostgresDatabase.MigrateAsync(dataSource, ct);
                ready = true;
            }
            finally
            {
                migrated.Release();
            }
        }
        return await dataSource.OpenConnectionAsync(ct);
    }

    public static string NewEtag() => Guid.NewGuid().ToString("N");

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
