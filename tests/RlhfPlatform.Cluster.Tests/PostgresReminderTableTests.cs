using Microsoft.Extensions.Options;
using Orleans.Configuration;
using RlhfPlatform.Silo.Clustering;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>The reminder table's contract (Orleans' IReminderTable) against a real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReminderTableTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    PostgresClusterDatabase database = null!;

    public async Task InitializeAsync() =>
        database = new PostgresClusterDatabase(Options.Create(new PostgresClusterOptions { ConnectionString = await postgres.CreateDatabaseAsync() }));

    public async Task DisposeAsync() => await database.DisposeAsync();

    PostgresReminderTable Table(string serviceId = "s1") => new(database, Options.Create(new ClusterOptions { ServiceId = serviceId, ClusterId = "c" }));

    static ReminderEntry Entry(string key, string name) => new()
    {
        GrainId = GrainId.Create("run", key),
        ReminderName = name,
        StartAt = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(1),
    };

    [Fact]
    public async Task UpsertReadAndRemoveFollowTheEtag()
    {
        var table = Table();
        await table.Init();
        var entry = Entry("run-1", "drive");
        string first = (await table.UpsertRow(entry))!;
        var read = (await table.ReadRow(entry.GrainId, "drive"))!;
        Assert.Equal((entry.GrainId, entry.StartAt, entry.Period, first), (read.GrainId, read.StartAt, read.Period, read.ETag));

        entry.Period = TimeSpan.FromMinutes(2);
        string second = (await table.UpsertRow(entry))!;
        Assert.NotEqual(first, second);
        Assert.Equal(TimeSpan.FromMinutes(2), (await table.ReadRow(entry.GrainId, "drive"))!.Period);
        Assert.False(await table.RemoveRow(entry.GrainId, "drive", first));
        Assert.True(await table.RemoveRow(entry.GrainId, "drive", second));
        Assert.Null(await table.ReadRow(entry.GrainId, "drive"));
        Assert.Empty((await Table("s2").ReadRows(entry.GrainId)).Reminders);
    }

    [Fact]
    public async Task RangeReadsFollowTheRingIncludingTheWrap()
    {
        var table = Table();
        var entries = Enumerable.Range(0, 40).Select(i => Entry($"run-{i}", "drive")).ToList();
        foreach (var entry in entries) await table.UpsertRow(entry);
        uint Hash(ReminderEntry e) => e.GrainId.GetUniformHashCode();
        var hashes = entries.Select(Hash).Order().ToList();
        uint begin = hashes[10], end = hashes[30];

        var inside = (await table.ReadRows(begin, end)).Reminders.Select(Hash).Order().ToList();
        Assert.Equal(hashes.Where(h => h > begin && h <= end), inside);
        var wrapped = (await table.ReadRows(end, begin)).Reminders.Select(Hash).Order().ToList();
        Assert.Equal(hashes.Where(h => h > end || h <= begin), wrapped);
        Assert.Equal(40, inside.Count + wrapped.Count);
        Assert.Single((await table.ReadRows(entries[3].GrainId)).Reminders);
    }
}
