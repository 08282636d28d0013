using Npgsql;

namespace RlhfPlatform.Storage.Tests;

/// <summary>
/// A throw-away PostgreSQL server on a free loopback port, data in a temp folder, trust auth.
/// initdb refuses to run as root, so as root the server runs as the <c>postgres</c> user.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private const string ServerUser = "postgres";
    private readonly TempFolder _root = new("rlhf-pg-");
    private string _binFolder = "";

    public int Port { get; private set; }

    private string DataFolder => _root.Combine("data");

    public async Task InitializeAsync()
    {
        _binFolder = FindBinFolder();
        if (Environment.IsPrivilegedProcess)
            await ExternalCommand.RunAsync("chown", [$"{ServerUser}:", _root.Path], _root.Path);

        await RunServerToolAsync("initdb", "-A", "trust", "--no-sync", "-E", "UTF8", "-U", ServerUser, "-D", DataFolder);
        Port = FreeTcpPort.Pick();
        await RunServerToolAsync("pg_ctl", "-D", DataFolder, "-l", _root.Combine("server.log"), "-w", "start", "-o", ServerOptions);
    }

    private string ServerOptions => $"-p {Port} -k {_root.Path} -c listen_addresses=127.0.0.1 -c fsync=off";

    /// <summary>`pg_ctl restart -m fast`: every connection is cut, the server is back on the same port when this returns.</summary>
    public async Task RestartAsync()
    {
        await RunServerToolAsync("pg_ctl", "-D", DataFolder, "-l", _root.Combine("server.log"), "-m", "fast", "-w", "restart", "-o", ServerOptions);
        NpgsqlConnection.ClearAllPools(); // this process's pooled connections died with the old server
    }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = ServerUser, Database = database }.ToString();

    /// <summary>A new empty database, so each test starts from nothing.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(DataFolder, "postmaster.pid")))
                await RunServerToolAsync("pg_ctl", "-D", DataFolder, "-m", "immediate", "stop");
        }
        finally
        {
            _root.Dispose();
        }
    }

    private Task RunServerToolAsync(string tool, params string[] arguments)
    {
        var executable = Path.Combine(_binFolder, tool);
        return Environment.IsPrivilegedProcess
            ? ExternalCommand.RunAsync("runuser", ["-u", ServerUser, "--", executable, .. arguments], _root.Path)
            : ExternalCommand.RunAsync(executable, arguments, _root.Path);
    }

    private static string FindBinFolder()
    {
        var installs = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql") : [];
        return installs
                   .Select(install => Path.Combine(install, "bin"))
                   .Where(bin => File.Exists(Path.Combine(bin, "postgres")) && File.Exists(Path.Combine(bin, "initdb")))
                   .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var major) ? major : 0)
                   .FirstOrDefault()
               ?? throw new InvalidOperationException($"PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/postgres): {RepoPaths.InstallHint}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "postgres server";
}
