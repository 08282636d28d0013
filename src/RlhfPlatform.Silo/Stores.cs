using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo;

/// <summary>Creates and initializes the configured stores, so a bad connection fails before anything starts.</summary>
public static class Stores
{
    public static async Task<(IRunStore RunStore, ICheckpointStore CheckpointStore)> OpenAsync(RlhfSettings settings, CancellationToken ct)
    {
        var runStore = StorageFactory.CreateRunStore(settings.RunStore);
        await runStore.InitializeAsync(ct);
        var checkpointStore = StorageFactory.CreateCheckpointStore(settings.CheckpointStore);
        await checkpointStore.InitializeAsync(ct);
        return (runStore, checkpointStore);
    }
}
