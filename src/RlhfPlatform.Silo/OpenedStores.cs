using RlhfPlatform.Storage;

namespace RlhfPlatform.Silo;

/// <summary>The process's stores, initialized; disposing releases their connections.</summary>
public sealed record OpenedStores(IRunStore RunStore, ICheckpointStore CheckpointStore) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        if (RunStore is IAsyncDisposable run) await run.DisposeAsync();
        if (CheckpointStore is IAsyncDisposable checkpoints) await checkpoints.DisposeAsync();
    }
}
