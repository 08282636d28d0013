using System.Data.Common;
using System.Net.Sockets;
using Npgsql;
using RlhfPlatform.Storage.Migrations;

namespace RlhfPlatform.Storage.RunStores;

/// <summary>Run store in a PostgreSQL database; the schema is migrated at <see cref="InitializeAsync"/>.</summary>
public sealed class PostgresRunStore : DbRunStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>host:port/database, for messages (never the password).</summary>
    private readonly string _endpoint;

    public PostgresRunStore(string connectionString, TimeProvider? clock = null) : base(clock)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        _endpoint = $"{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}";
        _dataSource = NpgsqlDataSource.Create(settings);
    }

    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        try
        {
            await PostgresMigrator.ApplyAsync(_dataSource, ct);
        }
        catch (DbException failure) when (AsUnavailable(failure) is { } unavailable)
        {
            throw unavailable;
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct) =>
        await _dataSource.OpenConnectionAsync(ct);

    // Npgsql marks network failures and server states such as 57P01 (admin shutdown) and 57P03 (cannot connect now) transient.
    // A transaction-scoped advisory lock (released at commit) around counting and taking driver leases.
    protected override string? LeaseCountLock => "SELECT pg_advisory_xact_lock(7340521)";

    protected override bool IsTransient(DbException failure) => failure is NpgsqlException { IsTransient: true };

    protected override RunStoreUnavailableException? AsUnavailable(DbException failure)
    {
        var cause = failure switch
        {
            PostgresException { SqlState: var state } server when IsConnectionRefusal(state) => $"{state} {server.MessageText}",
            PostgresException => null,
            NpgsqlException { InnerException: SocketException socket } => $"{socket.SocketErrorCode}: {socket.Message}",
            NpgsqlException { InnerException: TimeoutException } => "timed out connecting",
            NpgsqlException client => client.Message,
            _ => null,
        };
        return cause is null
            ? null
            : new RunStoreUnavailableException($"PostgreSQL run store at {_endpoint} is unavailable: {OneLine(cause)}", failure);
    }

    protected override bool IsUniqueViolation(DbException failure) =>
        failure is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    protected override bool IsForeignKeyViolation(DbException failure) =>
        failure is PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation };

    protected override object ToDbTimestamp(DateTimeOffset value) => UtcTimestamp.Normalize(value).UtcDateTime;

    protected override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        new(reader.GetFieldValue<DateTime>(ordinal), TimeSpan.Zero);

    /// <summary>All statements in one round trip.</summary>
    protected override async Task ExecuteAllAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch((NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        foreach (var statement in statements)
        {
            var command = new NpgsqlBatchCommand(statement.Sql);
            foreach (var (name, value) in statement.Parameters)
                command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Server answers that mean "you cannot use this database": bad credentials, no such
    /// database, server starting or shutting down, too many connections.</summary>
    private static bool IsConnectionRefusal(string sqlState) =>
        sqlState.StartsWith("28", StringComparison.Ordinal) // invalid authorization
        || sqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
        || sqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.AdminShutdown;

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
