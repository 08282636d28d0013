using System.CommandLine;
using Npgsql;
using RlhfPlatform.Silo;
using RlhfPlatform.Storage;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf migrate`: brings the configured run store (and, for Kind=postgres|kubernetes, the cluster's PostgreSQL when it
/// is another database) to the latest schema, then exits. `serve` does the same at start; the Helm chart runs this as a
/// hook Job before any silo or api pod starts, so a bad migration stops an install or upgrade instead of crash-looping pods.
/// Several processes may migrate at once: they take turns on an advisory lock.
/// </summary>
public static class MigrateCommand
{
    public static Command Create()
    {
        var outOption = new Option<string>("--out") { Description = "Directory of the embedded stores", DefaultValueFactory = _ => "rlhf-out" };
        var command = new Command("migrate", "Apply the run store's and the cluster's schema migrations, then exit") { outOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            var settings = ServeCommand.Settings(Path.GetFullPath(result.GetValue(outOption)!)).Validate();
            var store = StorageFactory.CreateRunStore(settings.RunStore);
            try
            {
                await store.InitializeAsync(ct);
            }
            finally
            {
                if (store is IAsyncDisposable disposable) await disposable.DisposeAsync();
            }
            Console.WriteLine($"run store ({settings.RunStore.Kind}): schema up to date");
            var cluster = settings.Cluster;
            if (cluster.Kind != "localhost" && !SameDatabase(cluster.ConnectionString, settings.RunStore))
            {
                await using var dataSource = NpgsqlDataSource.Create(cluster.ConnectionString);
                await PostgresDatabase.MigrateAsync(dataSource, ct);
                Console.WriteLine($"cluster tables (Kind={cluster.Kind}): schema up to date");
            }
            return 0;
        }));
        return command;
    }

    static bool SameDatabase(string clusterConnectionString, RunStoreOptions runStore) =>
        runStore.Kind == "postgres" && string.Equals(clusterConnectionString, runStore.ConnectionString, StringComparison.Ordinal);
}
