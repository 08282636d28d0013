using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo;

/// <summary>Creates and initializes the configured stores, so a bad connection fails before anything starts.</summary>
public static class Stores
{
    public static async Task<OpenedStores> OpenAsync(RlhfSettings settings, CancellationToken ct)
    {
        var runStore = StorageFactory.CreateRunStore(settings.RunStore);
        var checkpointStore = StorageFactory.CreateCheckpointStore(settings.CheckpointStore);
        var stores = new OpenedStores(runStore, checkpointStore);
        try
        {
            await runStore.InitializeAsync(ct);
            await checkpointStore.InitializeAsync(ct);
            return stores;
        }
        catch
        {
            await stores.DisposeAsync();
            throw;
        }
    }
}
