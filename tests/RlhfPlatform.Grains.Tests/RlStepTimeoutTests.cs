using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A cluster whose calls time out after 3 s unless their interface method says otherwise.</summary>
public sealed class ShortTimeoutClusterFixture : EmbeddedClusterFixture
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);
    protected override TimeSpan? ResponseTimeout => Timeout;
}

/// <summary>
/// An RL step's calls wait for the device's compute queue behind other runs' jobs; that wait must not
/// be cut by the default response timeout (it failed 2 of 8 runs of the full demo on a loaded machine).
/// </summary>
public sealed class RlStepTimeoutTests(ShortTimeoutClusterFixture fixture) : IClassFixture<ShortTimeoutClusterFixture>
{
    [Fact]
    public async Task RolloutGenerationWaitsForABusyComputeQueueLongerThanTheDefaultTimeout()
    {
        var client = fixture.Cluster.Client;
        Assert.Equal(ShortTimeoutClusterFixture.Timeout, fixture.Cluster.Client.ServiceProvider
            .GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout);

        var run = await fixture.Submission.SubmitAsync(TinyRunSpec.Create("timeout", rlSteps: 1), CancellationToken.None);
        var progress = await RunWaits.ForEndAsync(client, run.RunId, TimeSpan.FromMinutes(3));
        Assert.True(progress.Status == RunStatus.Completed, $"run ended {progress.Status}: {(await fixture.RunStore.GetRunAsync(run.RunId))?.Error}");

        var compute = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ComputeQueue>();
        var blocked = compute.Run(() => Thread.Sleep(ShortTimeoutClusterFixture.Timeout * 2));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var generator = client.GetGrain<IRolloutGeneratorGrain>(GrainKeys.Join(run.RunId, 0));
        var batch = await generator.Generate(new RolloutRequest(1, [[1, 2, 3]], 2, 4, 1.0, Seed: 5));
        await blocked;
        Assert.Equal(2, batch.Responses.Length);
        Assert.True(clock.Elapsed > ShortTimeoutClusterFixture.Timeout, $"the call returned after {clock.Elapsed}: the queue was not busy, so this proved nothing");
    }
}
