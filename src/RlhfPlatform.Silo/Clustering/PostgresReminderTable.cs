using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace RlhfPlatform.Silo.Clustering;

/// <summary>
/// Orleans' reminder table on PostgreSQL, per service id. A row's etag changes on every upsert; a
/// remove succeeds only with the current etag. Range reads follow the ring: (begin, end], wrapping
/// past uint.MaxValue when begin ≥ end.
/// </summary>
public sealed class PostgresReminderTable(PostgresClusterDatabase database, IOptions<ClusterOptions> cluster) : IReminderTable
{
    readonly string serviceId = cluster.Value.ServiceId;
    const string Columns = "grain_id, reminder_name, start_time, period_ms, etag";

    public async Task Init()
    {
        await using var connection = await database.OpenAsync();
    }

    public async Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        await using var connection = await database.OpenAsync();
        await using var read = new NpgsqlCommand($"SELECT {Columns} FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain", connection);
        read.Parameters.AddWithValue("service", serviceId);
        read.Parameters.AddWithValue("grain", grainId.ToString());
        return new ReminderTableData(await ReadEntriesAsync(read));
    }

    public async Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        await using var connection = await database.OpenAsync();
        string range = begin < end ? "grain_hash > @begin AND grain_hash <= @end" : "(grain_hash > @begin OR grain_hash <= @end)";
        await using var read = new NpgsqlCommand($"SELECT {Columns} FROM orleans_reminders WHERE service_id = @service AND {range}", connection);
        read.Parameters.AddWithValue("service", serviceId);
        read.Parameters.AddWithValue("begin", (long)begin);
        read.Parameters.AddWithValue("end", (long)end);
        return new ReminderTableData(await ReadEntriesAsync(read));
    }

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        await using var connection = await database.OpenAsync();
        await using var read = new NpgsqlCommand(
            $"SELECT {Columns} FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain AND reminder_name = @name", connection);
        read.Parameters.AddWithValue("service", serviceId);
        read.Parameters.AddWithValue("grain", grainId.ToString());
        read.Parameters.AddWithValue("name", reminderName);
        return (await ReadEntriesAsync(read)).FirstOrDefault();
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        string etag = PostgresClusterDatabase.NewEtag();
        await using var connection = await database.OpenAsync();
        await using var upsert = new NpgsqlCommand(
            "INSERT INTO orleans_reminders (service_id, grain_id, reminder_name, grain_hash, start_time, period_ms, etag) " +
            "VALUES (@service, @grain, @name, @hash, @start, @period, @etag) ON CONFLICT (service_id, grain_id, reminder_name) " +
            "DO UPDATE SET start_time = excluded.start_time, period_ms = excluded.period_ms, etag = excluded.etag", connection);
        upsert.Parameters.AddWithValue("service", serviceId);
        upsert.Parameters.AddWithValue("grain", entry.GrainId.ToString());
        upsert.Parameters.AddWithValue("name", entry.ReminderName);
        upsert.Parameters.AddWithValue("hash", (long)entry.GrainId.GetUniformHashCode());
        upsert.Parameters.AddWithValue("start", entry.StartAt.Kind == DateTimeKind.Utc ? entry.StartAt : entry.StartAt.ToUniversalTime());
        upsert.Parameters.AddWithValue("period", (long)entry.Period.TotalMilliseconds);
        upsert.Parameters.AddWithValue("etag", etag);
        await upsert.ExecuteNonQueryAsync();
        return etag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        await using var connection = await database.OpenAsync();
        await using var delete = new NpgsqlCommand(
            "DELETE FROM orleans_reminders WHERE service_id = @service AND grain_id = @grain AND reminder_name = @name AND etag = @etag", connection);
        delete.Parameters.AddWithValue("service", serviceId);
        delete.Parameters.AddWithValue("grain", grainId.ToString());
        delete.Parameters.AddWithValue("name", reminderName);
        delete.Parameters.AddWithValue("etag", eTag);
        return await delete.ExecuteNonQueryAsync() == 1;
    }

    public async Task TestOnlyClearTable()
    {
        await using var connection = await database.OpenAsync();
        await using var delete = new NpgsqlCommand("DELETE FROM orleans_reminders WHERE service_id = @service", connection);
        delete.Parameters.AddWithValue("service", serviceId);
        await delete.ExecuteNonQueryAsync();
    }

    static async Task<List<ReminderEntry>> ReadEntriesAsync(NpgsqlCommand read)
    {
        var entries = new List<ReminderEntry>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            entries.Add(new ReminderEntry
            {
                GrainId = GrainId.Parse(reader.GetString(0)),
                ReminderName = reader.GetString(1),
                StartAt = DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
                Period = TimeSpan.FromMilliseconds(reader.GetInt64(3)),
                ETag = reader.GetString(4),
            });
        return entries;
    }
}
