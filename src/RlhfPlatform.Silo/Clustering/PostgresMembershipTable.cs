using System.Data;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace RlhfPlatform.Silo.Clustering;

/// <summary>
/// Orleans' membership table on PostgreSQL. Each insert or update of a silo row is one transaction that
/// also moves the cluster's version row forward, both guarded by their etags (compare-and-swap), so of
/// two silos writing from the same table version exactly one wins. Reads take the rows and the version
/// from one snapshot.
/// </summary>
public sealed class PostgresMembershipTable(PostgresClusterDatabase database, IOptions<ClusterOptions> cluster) : IMembershipTable
{
    readonly string clusterId = cluster.Value.ClusterId;

    public async Task InitializeMembershipTable(bool tryInitTableVersion)
    {
        await using var connection = await database.OpenAsync();
        if (!tryInitTableVersion) return;
        await using var insert = new NpgsqlCommand(
            "INSERT INTO orleans_membership_version (cluster_id, version, etag, updated_at) VALUES (@cluster, 0, @etag, now()) ON CONFLICT DO NOTHING", connection);
        insert.Parameters.AddWithValue("cluster", clusterId);
        insert.Parameters.AddWithValue("etag", PostgresClusterDatabase.NewEtag());
        await insert.ExecuteNonQueryAsync();
    }

    public async Task DeleteMembershipTableEntries(string clusterIdToDelete)
    {
        await using var connection = await database.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM orleans_membership_version WHERE cluster_id = @cluster", connection);
        delete.Parameters.AddWithValue("cluster", clusterIdToDelete);
        await delete.ExecuteNonQueryAsync();
    }

    public async Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        await using var connection = await database.OpenAsync();
        await using var delete = new NpgsqlCommand(
            "DELETE FROM orleans_membership WHERE cluster_id = @cluster AND status = @dead AND i_am_alive_time < @before", connection);
        delete.Parameters.AddWithValue("cluster", clusterId);
        delete.Parameters.AddWithValue("dead", (int)SiloStatus.Dead);
        delete.Parameters.AddWithValue("before", beforeDate.UtcDateTime);
        await delete.ExecuteNonQueryAsync();
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key) => ReadAsync(key);

    public Task<MembershipTableData> ReadAll() => ReadAsync(null);

    async Task<MembershipTableData> ReadAsync(SiloAddress? only)
    {
        await using var connection = await database.OpenAsync();
        await using var snapshot = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead);
        TableVersion version;
        await using (var readVersion = new NpgsqlCommand("SELECT version, etag FROM orleans_membership_version WHERE cluster_id = @cluster", connection, snapshot))
        {
            readVersion.Parameters.AddWithValue("cluster", clusterId);
            await using var reader = await readVersion.ExecuteReaderAsync();
            version = await reader.ReadAsync() ? new TableVersion(reader.GetInt32(0), reader.GetString(1)) : new TableVersion(0, "");
        }
        var rows = new List<Tuple<MembershipEntry, string>>();
        string filter = only is null ? "" : " AND silo_address = @silo";
        await using (var readRows = new NpgsqlCommand(
            "SELECT silo_address, silo_name, host_name, status, proxy_port, suspect_times, start_time, i_am_alive_time, etag " +
            "FROM orleans_membership WHERE cluster_id = @cluster" + filter, connection, snapshot))
        {
            readRows.Parameters.AddWithValue("cluster", clusterId);
            if (only is not null) readRows.Parameters.AddWithValue("silo", only.ToParsableString());
            await using var reader = await readRows.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add(Tuple.Create(new MembershipEntry
                {
                    SiloAddress = SiloAddress.FromParsableString(reader.GetString(0)),
                    SiloName = reader.GetString(1),
                    HostName = reader.GetString(2),
                    Status = (SiloStatus)reader.GetInt32(3),
                    ProxyPort = reader.GetInt32(4),
                    SuspectTimes = SuspectTimes.Parse(reader.GetString(5)),
                    StartTime = DateTime.SpecifyKind(reader.GetDateTime(6), DateTimeKind.Utc),
                    IAmAliveTime = DateTime.SpecifyKind(reader.GetDateTime(7), DateTimeKind.Utc),
                }, reader.GetString(8)));
        }
        await snapshot.CommitAsync();
        return new MembershipTableData(rows, version);
    }

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion) =>
        WriteAsync(entry, tableVersion, "INSERT INTO orleans_membership (cluster_id, silo_address, silo_name, host_name, status, proxy_port, " +
            "suspect_times, start_time, i_am_alive_time, etag) VALUES (@cluster, @silo, @name, @host, @status, @proxy, @suspects, @start, @alive, @etag) " +
            "ON CONFLICT DO NOTHING", rowEtag: null);

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion) =>
        WriteAsync(entry, tableVersion, "UPDATE orleans_membership SET silo_name = @name, host_name = @host, status = @status, proxy_port = @proxy, " +
            "suspect_times = @suspects, start_time = @start, i_am_alive_time = @alive, etag = @etag " +
            "WHERE cluster_id = @cluster AND silo_address = @silo AND etag = @expected", rowEtag: etag);

    /// <summary>The row write and the version bump commit together or not at all.</summary>
    async Task<bool> WriteAsync(MembershipEntry entry, TableVersion tableVersion, string rowSql, string? rowEtag)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var bump = new NpgsqlCommand(
            "UPDATE orleans_membership_version SET version = @version, etag = @etag, updated_at = now() WHERE cluster_id = @cluster AND etag = @expected",
            connection, transaction))
        {
            bump.Parameters.AddWithValue("cluster", clusterId);
            bump.Parameters.AddWithValue("version", tableVersion.Version);
            bump.Parameters.AddWithValue("etag", PostgresClusterDatabase.NewEtag());
            bump.Parameters.AddWithValue("expected", tableVersion.VersionEtag);
            if (await bump.ExecuteNonQueryAsync() != 1) return false;
        }
        await using (var write = new NpgsqlCommand(rowSql, connection, transaction))
        {
            write.Parameters.AddWithValue("cluster", clusterId);
            write.Parameters.AddWithValue("silo", entry.SiloAddress.ToParsableString());
            write.Parameters.AddWithValue("name", entry.SiloName ?? "");
            write.Parameters.AddWithValue("host", entry.HostName ?? "");
            write.Parameters.AddWithValue("status", (int)entry.Status);
            write.Parameters.AddWithValue("proxy", entry.ProxyPort);
            write.Parameters.AddWithValue("suspects", SuspectTimes.Format(entry.SuspectTimes));
            write.Parameters.AddWithValue("start", Utc(entry.StartTime));
            write.Parameters.AddWithValue("alive", Utc(entry.IAmAliveTime));
            write.Parameters.AddWithValue("etag", PostgresClusterDatabase.NewEtag());
            if (rowEtag is not null) write.Parameters.AddWithValue("expected", rowEtag);
            if (await write.ExecuteNonQueryAsync() != 1) return false;
        }
        await transaction.CommitAsync();
        return true;
    }

    public async Task UpdateIAmAlive(MembershipEntry entry)
    {
        await using var connection = await database.OpenAsync();
        await using var update = new NpgsqlCommand(
            "UPDATE orleans_membership SET i_am_alive_time = @alive WHERE cluster_id = @cluster AND silo_address = @silo", connection);
        update.Parameters.AddWithValue("cluster", clusterId);
        update.Parameters.AddWithValue("silo", entry.SiloAddress.ToParsableString());
        update.Parameters.AddWithValue("alive", Utc(entry.IAmAliveTime));
        await update.ExecuteNonQueryAsync();
    }

    static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };

    /// <summary>The suspicion votes as JSON: [{"silo": parsable address, "at": UTC time}].</summary>
    static class SuspectTimes
    {
        sealed record Vote(string Silo, DateTime At);

        public static string Format(List<Tuple<SiloAddress, DateTime>>? votes) =>
            JsonSerializer.Serialize((votes ?? []).Select(v => new Vote(v.Item1.ToParsableString(), Utc(v.Item2))));

        public static List<Tuple<SiloAddress, DateTime>> Parse(string json) =>
            (JsonSerializer.Deserialize<Vote[]>(json) ?? [])
                .Select(v => Tuple.Create(SiloAddress.FromParsableString(v.Silo), DateTime.SpecifyKind(v.At, DateTimeKind.Utc))).ToList();
    }
}
