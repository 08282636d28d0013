using System.Diagnostics;
using Microsoft.Extensions.Options;
using RlhfPlatform.Storage.Checkpoints;
using RlhfPlatform.Storage.RunStores;

namespace RlhfPlatform.Storage;

/// <summary>Builds the configured stores. The caller runs <c>InitializeAsync</c> once at start-up.</summary>
public static class StorageFactory
{
    /// <exception cref="OptionsValidationException">The options are incomplete; the message names each missing or bad setting.</exception>
    public static IRunStore CreateRunStore(RunStoreOptions options, TimeProvider? clock = null)
    {
        ThrowIfInvalid(options, RunStoreOptionsValidator.Failures(options));
        return options.Kind.Trim().ToLowerInvariant() switch
        {
            RunStoreOptions.SqliteKind => new SqliteRunStore(options.Path!, clock),
            RunStoreOptions.PostgresKind => new PostgresRunStore(options.ConnectionString!, clock),
            var kind => throw new UnreachableException($"validated run store kind '{kind}' has no store"),
        };
    }

    /// <exception cref="OptionsValidationException">The options are incomplete; the message names each missing or bad setting.</exception>
    public static ICheckpointStore CreateCheckpointStore(CheckpointStoreOptions options)
    {
        ThrowIfInvalid(options, CheckpointStoreOptionsValidator.Failures(options));
        return options.Kind.Trim().ToLowerInvariant() switch
        {
            CheckpointStoreOptions.LocalKind => new LocalFolderCheckpointStore(options.Path!),
            CheckpointStoreOptions.AzureBlobKind => RetryingCheckpointStore.Around(
                new AzureBlobCheckpointStore(options.ConnectionString!, options.Container!), TimeSpan.FromSeconds(options.RetrySeconds)),
            var kind => throw new UnreachableException($"validated checkpoint store kind '{kind}' has no store"),
        };
    }

    private static void ThrowIfInvalid<TOptions>(TOptions options, IReadOnlyList<string> failures)
    {
        if (failures.Count > 0)
            throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), failures);
    }
}
