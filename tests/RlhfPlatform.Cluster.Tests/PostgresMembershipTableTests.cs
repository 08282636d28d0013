using System.Net;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using RlhfPlatform.Silo.Clustering;
using RlhfPlatform.Storage.Tests;

namespace RlhfPlatform.Cluster.Tests;

/// <summary>The membership table's contract (Orleans' IMembershipTable) against a real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMembershipTableTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    PostgresClusterDatabase database = null!;

    public async Task InitializeAsync() =>
        database = new PostgresClusterDatabase(Options.Create(new PostgresClusterOptions { ConnectionString = await postgres.CreateDatabaseAsync() }));

    public async Task DisposeAsync() => await database.DisposeAsync();

    PostgresMembershipTable Table(string clusterId = "c1") =>
        new(database, Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "s" }));

    static MembershipEntry Entry(int port, SiloStatus status = SiloStatus.Joining) => new()
    {
        SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 7),
        Status = status,
        SiloName = $"silo-{port}",
        HostName = "host",
        ProxyPort = port + 1000,
        StartTime = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc),
        IAmAliveTime = new DateTime(2026, 12, 1, 10, 0, 5, DateTimeKind.Utc),
        SuspectTimes = [],
    };

    [Fact]
    public async Task InsertBumpsTheVersionAndReadsBackEveryField()
    {
        var table = Table();
        await table.InitializeMembershipTable(true);
        await table.InitializeMembershipTable(true); // a second silo initialising changes nothing
        var empty = await table.ReadAll();
        Assert.Equal(0, empty.Version.Version);
        Assert.Empty(empty.Members);

        var entry = Entry(11111);
        entry.SuspectTimes = [Tuple.Create(SiloAddress.New(IPAddress.Loopback, 22222, 3), new DateTime(2026, 12, 1, 10, 1, 0, DateTimeKind.Utc))];
        Assert.True(await table.InsertRow(entry, empty.Version.Next()));
        var after = await table.ReadAll();
        Assert.Equal(1, after.Version.Version);
        Assert.NotEqual(empty.Version.VersionEtag, after.Version.VersionEtag);
        var (read, etag) = after.Members.Single();
        Assert.Equal(entry.SiloAddress, read.SiloAddress);
        Assert.Equal((entry.Status, entry.SiloName, entry.HostName, entry.ProxyPort, entry.StartTime, entry.IAmAliveTime),
            (read.Status, read.SiloName, read.HostName, read.ProxyPort, read.StartTime, read.IAmAliveTime));
        Assert.Equal(entry.SuspectTimes, read.SuspectTimes);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal(etag, (await table.ReadRow(entry.SiloAddress)).Members.Single().Item2);
    }

    [Fact]
    public async Task WritesFromAStaleVersionOrRowEtagFailWithoutSideEffects()
    {
        var table = Table();
        await table.InitializeMembershipTable(true);
        var v0 = (await table.ReadAll()).Version;
        Assert.True(await table.InsertRow(Entry(1), v0.Next()));
        Assert.False(await table.InsertRow(Entry(2), v0.Next()));          // stale version etag
        var v1 = (await table.ReadAll()).Version;
        Assert.False(await table.InsertRow(Entry(1), v1.Next()));          // the silo is already there
        Assert.Equal(v1.VersionEtag, (await table.ReadAll()).Version.VersionEtag); // the failed insert bumped nothing

        var (row, etag) = (await table.ReadRow(Entry(1).SiloAddress)).Members.Single();
        row.Status = SiloStatus.Active;
        Assert.False(await table.UpdateRow(row, "not-the-etag", v1.Next()));
        Assert.False(await table.UpdateRow(row, etag, v0.Next()));
        Assert.True(await table.UpdateRow(row, etag, v1.Next()));
        var v2 = await table.ReadAll();
        Assert.Equal((2, SiloStatus.Active), (v2.Version.Version, v2.Members.Single().Item1.Status));
        Assert.False(await table.UpdateRow(row, etag, v2.Version.Next()));  // the row's etag moved on
        Assert.False(await table.UpdateRow(Entry(3), etag, v2.Version.Next())); // no such silo
    }

    [Fact]
    public async Task OfManySilosInsertingFromOneVersionExactlyOneWins()
    {
        var table = Table();
        await table.InitializeMembershipTable(true);
        var v0 = (await table.ReadAll()).Version;
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Table().InsertRow(Entry(i), v0.Next())));
        Assert.Single(results, won => won);
        Assert.Single((await table.ReadAll()).Members);
    }

    [Fact]
    public async Task IAmAliveMovesOnlyItsColumnAndClustersStaySeparate()
    {
        var table = Table();
        await table.InitializeMembershipTable(true);
        var v0 = (await table.ReadAll()).Version;
        var entry = Entry(5);
        Assert.True(await table.InsertRow(entry, v0.Next()));
        var before = await table.ReadAll();
        entry.IAmAliveTime = entry.IAmAliveTime.AddMinutes(3);
        entry.Status = SiloStatus.Dead; // not written by UpdateIAmAlive
        await table.UpdateIAmAlive(entry);
        var after = await table.ReadAll();
        Assert.Equal(before.Version.VersionEtag, after.Version.VersionEtag);
        Assert.Equal((entry.IAmAliveTime, SiloStatus.Joining), (after.Members.Single().Item1.IAmAliveTime, after.Members.Single().Item1.Status));

        var other = Table("c2");
        await other.InitializeMembershipTable(true);
        Assert.Empty((await other.ReadAll()).Members);
        await table.DeleteMembershipTableEntries("c1");
        Assert.Empty((await table.ReadAll()).Members);
    }

    [Fact]
    public async Task CleanupRemovesOnlyDeadSilosOlderThanTheCutoff()
    {
        var table = Table();
        await table.InitializeMembershipTable(true);
        var version = (await table.ReadAll()).Version;
        foreach (var entry in new[] { Entry(1, SiloStatus.Dead), Entry(2, SiloStatus.Active), Entry(3, SiloStatus.Dead) })
        {
            if (entry.SiloAddress.Endpoint.Port == 3) entry.IAmAliveTime = entry.IAmAliveTime.AddHours(2);
            Assert.True(await table.InsertRow(entry, version.Next()));
            version = (await table.ReadAll()).Version;
        }
        await table.CleanupDefunctSiloEntries(new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.Zero));
        Assert.Equal([2, 3], (await table.ReadAll()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order());
    }
}
