using System.Data.Common;
using Microsoft.Data.Sqlite;
using RlhfPlatform.Storage.Migrations;

namespace RlhfPlatform.Storage.RunStores;

/// <summary>Run store in one SQLite file (embedded mode); the schema is migrated at <see cref="InitializeAsync"/>.</summary>
public sealed class SqliteRunStore : DbRunStore, IAsyncDisposable
{
    // SQLite result codes (https://sqlite.org/rescode.html).
    private const int SqliteReadOnly = 8, SqliteIoError = 10, SqliteCantOpen = 14, SqliteNotADatabase = 26;
    private const int SqliteConstraint = 19, ConstraintForeignKey = 787, ConstraintPrimaryKey = 1555, ConstraintUnique = 2067;

    private readonly string _path;
    private readonly string _connectionString;

    public SqliteRunStore(string path, TimeProvider? clock = null) : base(clock)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
        }.ToString();
    }

    public override async Task InitializeAsync(CancellationToken ct = default)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        try
        {
            await SqliteMigrator.ApplyAsync(_connectionString, ct);
        }
        catch (DbException failure) when (AsUnavailable(failure) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <summary>Closes the pooled connections, which hold the file open.</summary>
    public ValueTask DisposeAsync()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    protected override async Task<DbConnection> OpenConnectionAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    protected override RunStoreUnavailableException? AsUnavailable(DbException failure) =>
        failure is SqliteException { SqliteErrorCode: SqliteCantOpen or SqliteNotADatabase or SqliteIoError or SqliteReadOnly } sqlite
            ? new RunStoreUnavailableException($"SQLite run store at {_path} is unavailable: {sqlite.Message.ReplaceLineEndings(" ")}", failure)
            : null;

    protected override bool IsUniqueViolation(DbException failure) =>
        failure is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: ConstraintPrimaryKey or ConstraintUnique };

    protected override bool IsForeignKeyViolation(DbException failure) =>
        failure is SqliteException { SqliteErrorCode: SqliteConstraint, SqliteExtendedErrorCode: ConstraintForeignKey };

    protected override object ToDbTimestamp(DateTimeOffset value) => UtcTimestamp.ToSortableText(value);

    protected override DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) =>
        UtcTimestamp.ParseSortableText(reader.GetString(ordinal));

    // SQLite turns a NaN into NULL; the value columns allow NULL for that and it reads back as NaN.
    protected override object ToDbDouble(double value) => double.IsNaN(value) ? DBNull.Value : value;

    protected override double ReadDouble(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? double.NaN : reader.GetDouble(ordinal);
}
