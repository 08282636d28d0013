using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>
/// An update that reaches a fresh policy-trainer activation (the one BeginRl set up was deactivated, as
/// when its silo stops) fails with a fault the driver retries from committed state, not a run failure.
/// </summary>
public sealed class TrainerStateLostTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    [Fact]
    public async Task AnUpdateWithoutBeginRlIsATransientFaultAcrossTheGrainCall()
    {
        var trainer = fixture.Cluster.Client.GetGrain<IPolicyTrainerGrain>("never-begun-" + Guid.NewGuid().ToString("N"));
        var batch = new RolloutBatch(0, [[1, 2]], [[3]], [0f], [0f], 1, 1.0, [true]);
        var lost = await Assert.ThrowsAsync<TrainerStateLostException>(() => trainer.Update(batch, [0f], []));
        Assert.True(ClusterFaults.IsTransient(new StageException("policy rloo step 1 update", lost)));
        Assert.Contains("has not begun RL", lost.Message);
    }
}
