using RlhfPlatform.Contracts;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A run that fails in a stage records one line naming the stage (and step), the same in runs.error, the event and the progress.</summary>
public sealed class FailedRunErrorTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    Task<RunProgress> WaitForEndAsync(string runId) => RunWaits.ForEndAsync(fixture.Cluster.Client, runId, TimeSpan.FromMinutes(3));

    async Task<string> RecordedErrorAsync(string runId, RunProgress final)
    {
        Assert.Equal(RunStatus.Failed, final.Status);
        var record = await fixture.RunStore.GetRunAsync(runId);
        string error = Assert.IsType<string>(record!.Error);
        Assert.DoesNotContain('\n', error);
        Assert.DoesNotContain("   at ", error);
        Assert.Equal(error, final.Error);
        var failed = Assert.Single(await fixture.RunStore.GetEventsAsync(runId), e => e.Kind == "failed");
        Assert.Equal(error, failed.Message);
        return error;
    }

    [Fact]
    public async Task PreferenceDataCorruptedAfterSubmissionFailsTheRewardModelStageByName()
    {
        string data = Path.Combine(Path.GetTempPath(), $"pairs-{Guid.NewGuid():N}.jsonl");
        try
        {
            JsonlFiles.WritePairs(data, new LengthTask(6).PreferencePairs(50, 0.0, 1).Pairs);
            var tiny = TinyRunSpec.Create("corrupt-data", rlSteps: 1);
            var run = await fixture.Submission.SubmitAsync(tiny with { RewardModel = tiny.RewardModel with { Data = data } }, CancellationToken.None);
            // SFT runs first; by the time the reward-model stage reads the file, it is no longer JSON.
            await File.WriteAllTextAsync(data, "not json\n");

            string error = await RecordedErrorAsync(run.RunId, await WaitForEndAsync(run.RunId));
            Assert.StartsWith($"reward-model bt: {data}:1: not valid JSON", error);
        }
        finally
        {
            File.Delete(data);
        }
    }

    [Fact]
    public async Task CheckpointCommittedByAnotherWriterFailsThePolicyStepByName()
    {
        var run = await fixture.Submission.SubmitAsync(TinyRunSpec.Create("conflict", rlSteps: 3), CancellationToken.None);
        // Another writer commits policy version 2 first (SFT and the reward model still have to train): step 2's publish must conflict.
        string foreign = Path.Combine(fixture.CheckpointRoot, "runs", run.RunId, "policy", "2");
        Directory.CreateDirectory(foreign);
        await File.WriteAllTextAsync(Path.Combine(foreign, "manifest.json"), "{}");

        string error = await RecordedErrorAsync(run.RunId, await WaitForEndAsync(run.RunId));
        // Step 2's commit runs beside step 3's update, which is where its failure surfaces.
        Assert.StartsWith("policy rloo step 3 update: RL step 2's writes to the stores failed: ", error);
        Assert.Contains("committed already", error);
        var checkpoints = await fixture.RunStore.GetCheckpointsAsync(run.RunId);
        Assert.Equal([0, 1], checkpoints.Where(c => c.Kind == "policy").Select(c => c.Version));
    }
}
