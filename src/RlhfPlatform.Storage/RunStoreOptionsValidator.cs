using Microsoft.Extensions.Options;
using Npgsql;

namespace RlhfPlatform.Storage;

public sealed class RunStoreOptionsValidator : IValidateOptions<RunStoreOptions>
{
    private const string Section = RunStoreOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, RunStoreOptions options)
    {
        var failures = Failures(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Each problem as one sentence naming the setting (e.g. "RunStore:Path is required ...").</summary>
    public static IReadOnlyList<string> Failures(RunStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var kind = options.Kind?.Trim().ToLowerInvariant();
        return kind switch
        {
            null or "" => [$"{Section}:Kind is required: '{RunStoreOptions.SqliteKind}' or '{RunStoreOptions.PostgresKind}'"],
            RunStoreOptions.SqliteKind => string.IsNullOrWhiteSpace(options.Path)
                ? [$"{Section}:Path is required when {Section}:Kind is '{kind}' (the SQLite database file)"]
                : [],
            RunStoreOptions.PostgresKind => PostgresFailures(options.ConnectionString),
            _ => [$"{Section}:Kind '{options.Kind}' is not supported: use '{RunStoreOptions.SqliteKind}' or '{RunStoreOptions.PostgresKind}'"],
        };
    }

    private static IReadOnlyList<string> PostgresFailures(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            return [$"{Section}:ConnectionString is required when {Section}:Kind is '{RunStoreOptions.PostgresKind}'"];
        try
        {
            return string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host)
                ? [$"{Section}:ConnectionString names no Host"]
                : [];
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the bad keyword, never a value, so no password can leak here.
            return [$"{Section}:ConnectionString is not a valid PostgreSQL connection string: {e.Message}"];
        }
    }
}
