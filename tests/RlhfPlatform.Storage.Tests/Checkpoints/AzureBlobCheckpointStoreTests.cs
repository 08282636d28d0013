using System.Diagnostics;
using Azure.Storage.Blobs;
using RlhfPlatform.Storage.Checkpoints;

namespace RlhfPlatform.Storage.Tests;

[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobCheckpointStoreTests(AzuriteFixture azurite) : CheckpointStoreContractTests
{
    private readonly string _containerName = AzuriteFixture.NewContainerName();

    private BlobContainerClient Container => new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_containerName);

    private protected override ICheckpointStore CreateStore() => new AzureBlobCheckpointStore(azurite.ConnectionString, _containerName);

    private protected override string ExpectedUri(string runId, string kind, int version) =>
        $"http://127.0.0.1:{azurite.Port}/devstoreaccount1/{_containerName}/runs/{runId}/{kind}/{version}/";

    private protected override async Task<byte[]> ReadStoredAsync(string relativePath) =>
        (await Container.GetBlobClient(relativePath).DownloadContentAsync()).Value.Content.ToArray();

    private protected override Task OverwriteStoredAsync(string relativePath, byte[] content) =>
        Container.GetBlobClient(relativePath).UploadAsync(BinaryData.FromBytes(content), overwrite: true);

    private protected override Task DeleteStoredAsync(string relativePath) => Container.GetBlobClient(relativePath).DeleteAsync();

    // Data blobs are named by their content.
    private protected override string StoredFilePath(string versionPrefix, string relativePath, byte[] content) =>
        versionPrefix + "blobs/" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    [Fact]
    public async Task Initialising_again_is_harmless()
    {
        await Store.InitializeAsync();

        Assert.True((await Container.ExistsAsync()).Value);
    }

    [Fact]
    public async Task A_closed_port_makes_the_store_unavailable_quickly_naming_the_endpoint()
    {
        var port = FreeTcpPort.Pick();
        var store = new AzureBlobCheckpointStore(AzuriteFixture.ConnectionStringFor(port), "checkpoints");
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<CheckpointStoreUnavailableException>(() => store.InitializeAsync());

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        await Assert.ThrowsAsync<CheckpointStoreUnavailableException>(() => store.ListVersionsAsync("run-1", "sft"));
    }

    [Fact]
    public async Task Through_the_retrying_store_a_call_made_while_the_service_is_down_succeeds_once_it_is_up()
    {
        int port = FreeTcpPort.Pick();
        var store = RetryingCheckpointStore.Around(new AzureBlobCheckpointStore(AzuriteFixture.ConnectionStringFor(port), "late"), TimeSpan.FromSeconds(90));
        var initialize = store.InitializeAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(initialize.IsCompleted, "the store answered while no service listened");
        var late = new AzuriteFixture { RequestedPort = port };
        try
        {
            await late.InitializeAsync();
            await initialize;
            string source = Path.Combine(Path.GetTempPath(), "rlhf-late-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(source);
            await File.WriteAllBytesAsync(Path.Combine(source, "model.safetensors"), [1, 2, 3]);
            await store.WriteAsync("run-1", "sft", 0, source);
            Assert.Equal([0], await store.ListVersionsAsync("run-1", "sft"));
            Directory.Delete(source, recursive: true);
        }
        finally
        {
            await late.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_retrying_store_gives_up_past_its_bound_with_one_line()
    {
        int port = FreeTcpPort.Pick();
        var store = RetryingCheckpointStore.Around(new AzureBlobCheckpointStore(AzuriteFixture.ConnectionStringFor(port), "never"), TimeSpan.FromSeconds(4));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<CheckpointStoreUnavailableException>(() => store.ListVersionsAsync("run-1", "sft"));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));
        Assert.Contains("still failing after retrying", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
