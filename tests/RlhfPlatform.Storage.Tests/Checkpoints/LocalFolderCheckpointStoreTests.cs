using RlhfPlatform.Storage.Checkpoints;
namespace RlhfPlatform.Storage.Tests;

public sealed class LocalFolderCheckpointStoreTests : CheckpointStoreContractTests
{
    private readonly TempFolder _root = new("rlhf-ckpt-store-");

    private protected override ICheckpointStore CreateStore() => new LocalFolderCheckpointStore(_root.Combine("store"));

    private protected override string ExpectedUri(string runId, string kind, int version) =>
        $"file://{_root.Path}/store/runs/{runId}/{kind}/{version}/";

    private protected override Task<byte[]> ReadStoredAsync(string relativePath) => File.ReadAllBytesAsync(StoredPath(relativePath));

    private protected override Task OverwriteStoredAsync(string relativePath, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(StoredPath(relativePath))!);
        return File.WriteAllBytesAsync(StoredPath(relativePath), content);
    }

    private protected override Task DeleteStoredAsync(string relativePath)
    {
        File.Delete(StoredPath(relativePath));
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _root.Dispose();
    }

    [Fact]
    public async Task A_write_leaves_only_the_committed_version_folder_behind()
    {
        var source = _root.Combine("source");
        Directory.CreateDirectory(source);
        await File.WriteAllBytesAsync(Path.Combine(source, "w.bin"), [1, 2]);
        await OverwriteStoredAsync("runs/run-1/sft/1/leftover.bin", [3]);

        await Store.WriteAsync("run-1", "sft", 1, source);
        await Store.WriteAsync("run-1", "sft", 2, source);

        Assert.Equal(["1", "2"], Directory.GetFileSystemEntries(StoredPath("runs/run-1/sft")).Select(Path.GetFileName).Order());
        Assert.Equal(["manifest.json", "w.bin"], Directory.GetFileSystemEntries(StoredPath("runs/run-1/sft/1")).Select(Path.GetFileName).Order());
    }

    private string StoredPath(string relativePath) => Path.Combine(_root.Path, "store", relativePath);
}
