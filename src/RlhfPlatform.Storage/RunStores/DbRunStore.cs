using System.Data.Common;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Storage.RunStores;

/// <summary>
/// The run store's queries, shared by the SQLite and PostgreSQL stores: both speak the same SQL here
/// (ON CONFLICT included). Subclasses open connections, apply migrations, and map the values and
/// errors where the two databases differ.
/// </summary>
public abstract class DbRunStore : IRunStore
{
    private const string RunColumns = "run_id, experiment, name, spec_json, status, stage, created_at, updated_at, error";

    private static readonly string TerminalStatuses = string.Join(", ",
        Enum.GetValues<RunStatus>().Where(s => s.IsTerminal()).Select(s => $"'{s.ToWire()}'"));

    private readonly TimeProvider _clock;

    protected DbRunStore(TimeProvider? clock) => _clock = clock ?? TimeProvider.System;

    public abstract Task InitializeAsync(CancellationToken ct = default);

    protected abstract Task<DbConnection> OpenConnectionAsync(CancellationToken ct);

    /// <summary>The exception to throw when <paramref name="failure"/> means the database cannot be
    /// reached or used (refused, unknown host, bad credentials, unreadable file); null otherwise.</summary>
    protected abstract RunStoreUnavailableException? AsUnavailable(DbException failure);

    protected abstract bool IsUniqueViolation(DbException failure);
    protected abstract bool IsForeignKeyViolation(DbException failure);

    protected abstract object ToDbTimestamp(DateTimeOffset value);
    protected abstract DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal);
    protected virtual object ToDbDouble(double value) => value;
    protected virtual double ReadDouble(DbDataReader reader, int ordinal) => reader.GetDouble(ordinal);

    /// <summary>Executes the statements in order inside <paramref name="transaction"/>. The default sends
    /// them one by one (free for an embedded database); a client/server store sends one batch.</summary>
    protected virtual async Task ExecuteAllAsync(
        DbConnection connection, DbTransaction transaction, IReadOnlyList<Statement> statements, CancellationToken ct)
    {
        foreach (var statement in statements)
        {
            await using var command = statement.CreateCommand(connection, transaction);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public Task CreateRunAsync(RunRecord run, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        RequireText(run.RunId, "run id");
        RequireText(run.Experiment, "experiment");
        return InTransactionAsync(async (connection, transaction) =>
        {
            await ExecuteAsync(connection, transaction, new Statement(
                "INSERT INTO experiments (name, created_at) VALUES (@experiment, @now) ON CONFLICT (name) DO NOTHING",
                ("experiment", run.Experiment), ("now", ToDbTimestamp(_clock.GetUtcNow()))), ct);
            try
            {
                await ExecuteAsync(connection, transaction, new Statement(
                    $"INSERT INTO runs ({RunColumns}) VALUES (@run_id, @experiment, @name, @spec_json, @status, @stage, @created_at, @updated_at, @error)",
                    ("run_id", run.RunId), ("experiment", run.Experiment), ("name", run.Name), ("spec_json", run.SpecJson),
                    ("status", run.Status.ToWire()), ("stage", run.Stage.ToWire()),
                    ("created_at", ToDbTimestamp(run.CreatedAt)), ("updated_at", ToDbTimestamp(run.UpdatedAt)),
                    ("error", run.Error)), ct);
            }
            catch (DbException failure) when (IsUniqueViolation(failure))
            {
                throw new RunStoreConflictException($"run '{run.RunId}' exists already");
            }
            return true;
        }, ct);
    }

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken ct = default) =>
        WithConnectionAsync(async connection =>
        {
            var runs = await QueryAsync(connection, new Statement(
                $"SELECT {RunColumns} FROM runs WHERE run_id = @run_id", ("run_id", runId)), ReadRun, ct);
            return runs.Count == 0 ? null : runs[0];
        }, ct);

    public Task<IReadOnlyList<RunRecord>> ListRunsAsync(string? experiment = null, CancellationToken ct = default) =>
        WithConnectionAsync(connection => QueryAsync(connection, experiment is null
                ? new Statement($"SELECT {RunColumns} FROM runs ORDER BY created_at DESC, run_id DESC")
                : new Statement($"SELECT {RunColumns} FROM runs WHERE experiment = @experiment ORDER BY created_at DESC, run_id DESC",
                    ("experiment", experiment)),
            ReadRun, ct), ct);

    public Task<RunPage> ListRunsPageAsync(string? experiment, RunStatus? status, PageRequest page, CancellationToken ct = default)
    {
        var conditions = new List<string>();
        var parameters = new List<(string, object?)>();
        if (experiment is not null)
        {
            conditions.Add("experiment = @experiment");
            parameters.Add(("experiment", experiment));
        }
        if (status is { } wanted)
        {
            conditions.Add("status = @status");
            parameters.Add(("status", wanted.ToWire()));
        }
        string where = conditions.Count == 0 ? "" : $" WHERE {string.Join(" AND ", conditions)}";
        return WithConnectionAsync(async connection =>
        {
            var runs = await QueryAsync(connection, Paged(
                $"SELECT {RunColumns} FROM runs{where} ORDER BY created_at DESC, run_id DESC", page, parameters), ReadRun, ct);
            // The count only when the page does not tell it (a first page shorter than its limit is the whole list).
            long total = page.Offset == 0 && runs.Count < page.Limit
                ? runs.Count
                : Convert.ToInt64(await ScalarAsync(connection, new Statement($"SELECT COUNT(*) FROM runs{where}", [.. parameters]), ct),
                    System.Globalization.CultureInfo.InvariantCulture);
            return new RunPage(runs, total);
        }, ct);
    }

    /// <summary><paramref name="sql"/> (ordered) cut to <paramref name="page"/> by the database.</summary>
    private static Statement Paged(string sql, PageRequest page, IEnumerable<(string, object?)> parameters)
    {
        if (page.Offset < 0 || page.Limit < 0) throw new ArgumentOutOfRangeException(nameof(page), page, "offset and limit must not be negative");
        return new Statement($"{sql} LIMIT @page_limit OFFSET @page_offset", [.. parameters, ("page_limit", (long)page.Limit), ("page_offset", (long)page.Offset)]);
    }

    public Task<bool> UpdateRunAsync(string runId, RunStatus status, RunStage stage, string? error = null, CancellationToken ct = default) =>
        WithConnectionAsync(async connection =>
        {
            // One conditional UPDATE, so a concurrent move to a terminal status cannot be overwritten.
            var changed = await ExecuteAsync(connection, null, new Statement(
                "UPDATE runs SET status = @status, stage = @stage, error = @error, updated_at = @now " +
                $"WHERE run_id = @run_id AND status NOT IN ({TerminalStatuses})",
                ("status", status.ToWire()), ("stage", stage.ToWire()), ("error", error),
                ("now", ToDbTimestamp(_clock.GetUtcNow())), ("run_id", runId)), ct);
            if (changed == 0)
                await EnsureRunExistsAsync(connection, runId, ct);
            return changed > 0;
        }, ct);

    public Task AppendEventAsync(string runId, RunEvent runEvent, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        return WithConnectionAsync(connection => ExecuteForRunAsync(connection, null, runId, new Statement(
            "INSERT INTO run_events (run_id, at, kind, message) VALUES (@run_id, @at, @kind, @message)",
            ("run_id", runId), ("at", ToDbTimestamp(runEvent.At)), ("kind", runEvent.Kind), ("message", runEvent.Message)), ct), ct);
    }

    public Task<IReadOnlyList<RunEvent>> GetEventsAsync(string runId, CancellationToken ct = default) =>
        QueryForRunAsync(runId, new Statement(
                "SELECT at, kind, message FROM run_events WHERE run_id = @run_id ORDER BY seq", ("run_id", runId)),
            reader => new RunEvent(ReadTimestamp(reader, 0), reader.GetString(1), reader.GetString(2)), ct);

    public Task<IReadOnlyList<RunEvent>> GetEventsPageAsync(string runId, PageRequest page, CancellationToken ct = default) =>
        QueryForRunAsync(runId, Paged("SELECT at, kind, message FROM run_events WHERE run_id = @run_id ORDER BY seq", page, [("run_id", runId)]),
            reader => new RunEvent(ReadTimestamp(reader, 0), reader.GetString(1), reader.GetString(2)), ct);

    public Task RecordMetricsAsync(string runId, IReadOnlyList<MetricPoint> points, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(points);
        foreach (var point in points)
            RequireText(point.Name, "metric name");
        var now = ToDbTimestamp(_clock.GetUtcNow());
        var inserts = points.Select(point => new Statement(
            "INSERT INTO metrics (run_id, name, step, value, recorded_at) VALUES (@run_id, @name, @step, @value, @now) " +
            "ON CONFLICT (run_id, name, step) DO NOTHING",
            ("run_id", runId), ("name", point.Name), ("step", point.Step), ("value", ToDbDouble(point.Value)), ("now", now))).ToList();
        return WriteForRunAsync(runId, inserts, ct);
    }

    public Task<IReadOnlyList<MetricPoint>> GetMetricsAsync(string runId, string? name = null, CancellationToken ct = default) =>
        QueryForRunAsync(runId, name is null
                ? new Statement("SELECT name, step, value FROM metrics WHERE run_id = @run_id ORDER BY name, step", ("run_id", runId))
                : new Statement("SELECT name, step, value FROM metrics WHERE run_id = @run_id AND name = @name ORDER BY step",
                    ("run_id", runId), ("name", name)),
            reader => new MetricPoint(reader.GetString(0), reader.GetInt64(1), ReadDouble(reader, 2)), ct);

    public Task<IReadOnlyList<MetricPoint>> GetMetricsPageAsync(string runId, string? name, long? fromStep, PageRequest page, CancellationToken ct = default)
    {
        var parameters = new List<(string, object?)> { ("run_id", runId) };
        string where = "run_id = @run_id";
        if (name is not null)
        {
            where += " AND name = @name";
            parameters.Add(("name", name));
        }
        if (fromStep is { } step)
        {
            where += " AND step >= @from_step";
            parameters.Add(("from_step", step));
        }
        return QueryForRunAsync(runId, Paged($"SELECT name, step, value FROM metrics WHERE {where} ORDER BY name, step", page, parameters),
            reader => new MetricPoint(reader.GetString(0), reader.GetInt64(1), ReadDouble(reader, 2)), ct);
    }

    public Task RecordCheckpointAsync(CheckpointRef checkpoint, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        RequireText(checkpoint.Kind, "checkpoint kind");
        return InTransactionAsync(async (connection, transaction) =>
        {
            var inserted = await ExecuteForRunAsync(connection, transaction, checkpoint.RunId, new Statement(
                "INSERT INTO checkpoints (run_id, kind, version, uri, sha256, size_bytes, recorded_at) " +
                "VALUES (@run_id, @kind, @version, @uri, @sha256, @size_bytes, @now) ON CONFLICT (run_id, kind, version) DO NOTHING",
                ("run_id", checkpoint.RunId), ("kind", checkpoint.Kind), ("version", checkpoint.Version), ("uri", checkpoint.Uri),
                ("sha256", checkpoint.Sha256), ("size_bytes", checkpoint.SizeBytes), ("now", ToDbTimestamp(_clock.GetUtcNow()))), ct);
            if (inserted == 0)
                await EnsureSameCheckpointAsync(connection, transaction, checkpoint, ct);
            return true;
        }, ct);
    }

    public Task<IReadOnlyList<CheckpointRef>> GetCheckpointsAsync(string runId, CancellationToken ct = default) =>
        QueryForRunAsync(runId, new Statement(
                "SELECT run_id, kind, version, uri, sha256, size_bytes FROM checkpoints WHERE run_id = @run_id ORDER BY kind, version",
                ("run_id", runId)),
            ReadCheckpoint, ct);

    public async Task<bool> TryAcquireDriverLeaseAsync(string runId, string owner, TimeSpan duration, CancellationToken ct = default) =>
        await TryAcquireDriverLeaseAsync(runId, owner, duration, int.MaxValue, ct) == DriverLease.Acquired;

    public Task<DriverLease> TryAcquireDriverLeaseAsync(string runId, string owner, TimeSpan duration, int maxDrivenRuns, CancellationToken ct = default)
    {
        RequireText(owner, "lease owner");
        if (maxDrivenRuns < 1) throw new ArgumentOutOfRangeException(nameof(maxDrivenRuns), maxDrivenRuns, "the cap on runs driven at once must be at least 1");
        var now = ToDbTimestamp(_clock.GetUtcNow());
        var expires = ToDbTimestamp(_clock.GetUtcNow() + duration);
        return InTransactionAsync(async (connection, transaction) =>
        {
            if (LeaseCountLock is { } lockSql)
                await ExecuteAsync(connection, transaction, new Statement(lockSql), ct);
            // The count and the insert in one statement, under the lock: no two processes both take the last place.
            int taken = await ExecuteForRunAsync(connection, transaction, runId, new Statement(
                "INSERT INTO run_leases (run_id, owner, expires_at) SELECT @run_id, @owner, @expires " +
                "WHERE (SELECT COUNT(*) FROM run_leases WHERE run_id <> @run_id AND expires_at >= @now) < @max " +
                "OR EXISTS (SELECT 1 FROM run_leases WHERE run_id = @run_id AND owner = @owner) " +
                "ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at " +
                "WHERE run_leases.owner = excluded.owner OR run_leases.expires_at < @now",
                ("run_id", runId), ("owner", owner), ("expires", expires), ("now", now), ("max", (long)maxDrivenRuns)), ct);
            if (taken == 1) return DriverLease.Acquired;
            await EnsureRunExistsAsync(connection, runId, ct, transaction);
            long heldByOthers = await ScalarLongAsync(connection, transaction, new Statement(
                "SELECT COUNT(*) FROM run_leases WHERE run_id = @run_id AND owner <> @owner AND expires_at >= @now",
                ("run_id", runId), ("owner", owner), ("now", now)), ct);
            return heldByOthers > 0 ? DriverLease.HeldByAnother : DriverLease.AtCapacity;
        }, ct);
    }

    /// <summary>SQL that serializes lease counting across connections inside a transaction; null where transactions already do (SQLite).</summary>
    protected virtual string? LeaseCountLock => null;

    public Task ReleaseDriverLeaseAsync(string runId, string owner, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ExecuteAsync(connection, null, new Statement(
            "DELETE FROM run_leases WHERE run_id = @run_id AND owner = @owner", ("run_id", runId), ("owner", owner)), ct), ct);

    public Task SaveResultsAsync(string runId, IReadOnlyList<RunResult> results, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
            RequireText(result.Key, "result key");
        var now = ToDbTimestamp(_clock.GetUtcNow());
        var upserts = results.Select(result => new Statement(
            "INSERT INTO results (run_id, key, value, updated_at) VALUES (@run_id, @key, @value, @now) " +
            "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            ("run_id", runId), ("key", result.Key), ("value", ToDbDouble(result.Value)), ("now", now))).ToList();
        return WriteForRunAsync(runId, upserts, ct);
    }

    public Task<IReadOnlyList<RunResult>> GetResultsAsync(string runId, CancellationToken ct = default) =>
        QueryForRunAsync(runId, new Statement("SELECT key, value FROM results WHERE run_id = @run_id ORDER BY key", ("run_id", runId)),
            reader => new RunResult(reader.GetString(0), ReadDouble(reader, 1)), ct);

    private const string KeyColumns = "key_id, name, role, salt, hash, created_at, revoked_at";

    public Task CreateApiKeyAsync(ApiKeyRecord key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        RequireText(key.KeyId, "key id");
        return WithConnectionAsync(async connection =>
        {
            try
            {
                return await ExecuteAsync(connection, null, new Statement(
                    $"INSERT INTO api_keys ({KeyColumns}) VALUES (@key_id, @name, @role, @salt, @hash, @created_at, NULL)",
                    ("key_id", key.KeyId), ("name", key.Name), ("role", key.Role), ("salt", key.Salt), ("hash", key.Hash),
                    ("created_at", ToDbTimestamp(key.CreatedAt))), ct);
            }
            catch (DbException failure) when (IsUniqueViolation(failure))
            {
                throw new RunStoreConflictException($"API key '{key.KeyId}' exists already");
            }
        }, ct);
    }

    public Task<ApiKeyRecord?> GetApiKeyAsync(string keyId, CancellationToken ct = default) =>
        WithConnectionAsync(async connection =>
        {
            var keys = await QueryAsync(connection, new Statement(
                $"SELECT {KeyColumns} FROM api_keys WHERE key_id = @key_id", ("key_id", keyId)), ReadApiKey, ct);
            return keys.Count == 0 ? null : keys[0];
        }, ct);

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken ct = default) =>
        WithConnectionAsync(connection => QueryAsync(connection,
            new Statement($"SELECT {KeyColumns} FROM api_keys ORDER BY created_at, key_id"), ReadApiKey, ct), ct);

    public Task<bool> RevokeApiKeyAsync(string keyId, CancellationToken ct = default) =>
        WithConnectionAsync(async connection => await ExecuteAsync(connection, null, new Statement(
            "UPDATE api_keys SET revoked_at = @now WHERE key_id = @key_id AND revoked_at IS NULL",
            ("now", ToDbTimestamp(_clock.GetUtcNow())), ("key_id", keyId)), ct) > 0, ct);

    public Task<IdempotencyRecord> ClaimIdempotencyKeyAsync(IdempotencyRecord claim, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        RequireText(claim.Key, "idempotency key");
        return WithConnectionAsync(async connection =>
        {
            await ExecuteAsync(connection, null, new Statement(
                "INSERT INTO idempotency_keys (key, request_hash, run_ids, created_at) VALUES (@key, @hash, @run_ids, @now) " +
                "ON CONFLICT (key) DO NOTHING",
                ("key", claim.Key), ("hash", claim.RequestHash), ("run_ids", System.Text.Json.JsonSerializer.Serialize(claim.RunIds)),
                ("now", ToDbTimestamp(claim.CreatedAt))), ct);
            var records = await QueryAsync(connection, new Statement(
                "SELECT key, request_hash, run_ids, created_at FROM idempotency_keys WHERE key = @key", ("key", claim.Key)),
                reader => new IdempotencyRecord(reader.GetString(0), reader.GetString(1),
                    System.Text.Json.JsonSerializer.Deserialize<string[]>(reader.GetString(2)) ?? [], ReadTimestamp(reader, 3)), ct);
            return records[0];
        }, ct);
    }

    public Task ReleaseIdempotencyKeyAsync(string key, string requestHash, CancellationToken ct = default) =>
        WithConnectionAsync(connection => ExecuteAsync(connection, null, new Statement(
            "DELETE FROM idempotency_keys WHERE key = @key AND request_hash = @hash", ("key", key), ("hash", requestHash)), ct), ct);

    private ApiKeyRecord ReadApiKey(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        ReadTimestamp(reader, 5), reader.IsDBNull(6) ? null : ReadTimestamp(reader, 6));

    /// <summary>How long a unit of work is retried while the database is briefly away (default 2 minutes).</summary>
    public TimeSpan RetryFor { get; init; } = StoreRetry.DefaultBound;

    /// <summary>A failure that retrying may fix: the connection dropped or the server is restarting.</summary>
    protected virtual bool IsTransient(DbException failure) => false;

    private StoreRetry? _retry;

    public DateTimeOffset? UnavailableSince => _retry?.FailingSince;

    /// <summary>One unit of work on its own connection, retried as a whole (see <see cref="StoreRetry"/>).</summary>
    private async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken ct)
    {
        _retry ??= new StoreRetry(RetryFor, IsTransient, _clock);
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                await using var connection = await OpenConnectionAsync(token);
                return await work(connection);
            }, AsUnavailable, ct);
        }
        catch (DbException failure) when (AsUnavailable(failure) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct) =>
        WithConnectionAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(ct);
            return result;
        }, ct);

    /// <summary>Writes rows that belong to a run in one transaction; no rows still checks that the run exists.</summary>
    private Task WriteForRunAsync(string runId, IReadOnlyList<Statement> statements, CancellationToken ct) =>
        InTransactionAsync(async (connection, transaction) =>
        {
            if (statements.Count == 0)
            {
                await EnsureRunExistsAsync(connection, runId, ct, transaction);
                return true;
            }
            try
            {
                await ExecuteAllAsync(connection, transaction, statements, ct);
            }
            catch (DbException failure) when (IsForeignKeyViolation(failure))
            {
                throw new RunNotFoundException(runId);
            }
            return true;
        }, ct);

    private async Task<int> ExecuteForRunAsync(
        DbConnection connection, DbTransaction? transaction, string runId, Statement statement, CancellationToken ct)
    {
        try
        {
            return await ExecuteAsync(connection, transaction, statement, ct);
        }
        catch (DbException failure) when (IsForeignKeyViolation(failure))
        {
            throw new RunNotFoundException(runId);
        }
    }

    /// <summary>Rows of one run; an empty answer for a run that does not exist is an error, not an empty list.</summary>
    private Task<IReadOnlyList<T>> QueryForRunAsync<T>(string runId, Statement query, Func<DbDataReader, T> read, CancellationToken ct) =>
        WithConnectionAsync(async connection =>
        {
            var rows = await QueryAsync(connection, query, read, ct);
            if (rows.Count == 0)
                await EnsureRunExistsAsync(connection, runId, ct);
            return rows;
        }, ct);

    private static async Task EnsureRunExistsAsync(DbConnection connection, string runId, CancellationToken ct, DbTransaction? transaction = null)
    {
        await using var command = new Statement("SELECT 1 FROM runs WHERE run_id = @run_id", ("run_id", runId)).CreateCommand(connection, transaction);
        if (await command.ExecuteScalarAsync(ct) is null)
            throw new RunNotFoundException(runId);
    }

    private async Task EnsureSameCheckpointAsync(DbConnection connection, DbTransaction transaction, CheckpointRef checkpoint, CancellationToken ct)
    {
        var existing = await QueryAsync(connection, new Statement(
                "SELECT run_id, kind, version, uri, sha256, size_bytes FROM checkpoints WHERE run_id = @run_id AND kind = @kind AND version = @version",
                ("run_id", checkpoint.RunId), ("kind", checkpoint.Kind), ("version", checkpoint.Version)),
            ReadCheckpoint, ct, transaction);
        if (existing.Count == 1 && existing[0] != checkpoint)
            throw new RunStoreConflictException(
                $"checkpoint {checkpoint.RunId}/{checkpoint.Kind}/{checkpoint.Version} is recorded already with " +
                $"sha256 {existing[0].Sha256} at {existing[0].Uri}; refusing to record sha256 {checkpoint.Sha256} at {checkpoint.Uri}");
    }

    private static async Task<object?> ScalarAsync(DbConnection connection, Statement statement, CancellationToken ct)
    {
        await using var command = statement.CreateCommand(connection, null);
        return await command.ExecuteScalarAsync(ct);
    }

    private static async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, Statement statement, CancellationToken ct)
    {
        await using var command = statement.CreateCommand(connection, transaction);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<long> ScalarLongAsync(DbConnection connection, DbTransaction? transaction, Statement statement, CancellationToken ct)
    {
        await using var command = statement.CreateCommand(connection, transaction);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<T>> QueryAsync<T>(
        DbConnection connection, Statement query, Func<DbDataReader, T> read, CancellationToken ct, DbTransaction? transaction = null)
    {
        await using var command = query.CreateCommand(connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct))
            rows.Add(read(reader));
        return rows;
    }

    private RunRecord ReadRun(DbDataReader reader) => new(
        RunId: reader.GetString(0),
        Experiment: reader.GetString(1),
        Name: reader.GetString(2),
        SpecJson: reader.GetString(3),
        Status: RunStatusExtensions.ParseRunStatus(reader.GetString(4)),
        Stage: RunStatusExtensions.ParseRunStage(reader.GetString(5)),
        CreatedAt: ReadTimestamp(reader, 6),
        UpdatedAt: ReadTimestamp(reader, 7),
        Error: reader.IsDBNull(8) ? null : reader.GetString(8));

    private static CheckpointRef ReadCheckpoint(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5));

    private static void RequireText(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{what} must not be empty");
    }

    /// <summary>One SQL statement with named parameters (<c>@name</c> in the text).</summary>
    protected sealed class Statement(string sql, params (string Name, object? Value)[] parameters)
    {
        public string Sql { get; } = sql;
        public IReadOnlyList<(string Name, object? Value)> Parameters { get; } = parameters;

        public DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction)
        {
            var command = connection.CreateCommand();
            command.CommandText = Sql;
            command.Transaction = transaction;
            foreach (var (name, value) in Parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            return command;
        }
    }
}
