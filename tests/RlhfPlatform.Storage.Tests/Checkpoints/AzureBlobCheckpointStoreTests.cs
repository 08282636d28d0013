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
}
