namespace RlhfPlatform.Storage;

/// <summary>Which run store to use (configuration section <see cref="SectionName"/>).</summary>
public sealed class RunStoreOptions
{
    public const string SectionName = "RunStore";
    public const string SqliteKind = "sqlite";
    public const string PostgresKind = "postgres";

    /// <summary><see cref="SqliteKind"/> or <see cref="PostgresKind"/>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The database file, for sqlite.</summary>
    public string? Path { get; set; }

    /// <summary>The Npgsql connection string, for postgres.</summary>
    public string? ConnectionString { get; set; }
}
