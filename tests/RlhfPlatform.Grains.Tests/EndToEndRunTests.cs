using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

public sealed class EndToEndRunTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    Task<RunProgress> WaitForEndAsync(string runId) => RunWaits.ForEndAsync(fixture.Cluster.Client, runId, Deadline);

    [Fact]
    public async Task TinyRunCompletesThroughEveryStageWithMetricsAndCommittedCheckpoints()
    {
        var spec = TinyRunSpec.Create(rlSteps: 3);
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await WaitForEndAsync(run.RunId);
        var record = await fixture.RunStore.GetRunAsync(run.RunId);
        Assert.True(final.Status == RunStatus.Completed, $"run ended {final.Status}: {record?.Error}");
        Assert.Equal(RunStage.Done, record!.Stage);

        var stagesEntered = (await fixture.RunStore.GetEventsAsync(run.RunId))
            .Where(e => e.Kind == "stage").Select(e => e.Message).ToArray();
        Assert.Equal(["entered stage sft", "entered stage reward-model", "entered stage policy", "entered stage evaluation"], stagesEntered);

        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.Equal(12, metrics.Count(m => m.Name == "sft/loss"));
        Assert.Equal(7, metrics.Count(m => m.Name == "rm/loss")); // 200 pairs / 32 per batch, one epoch
        Assert.Equal([1L, 2L, 3L], metrics.Where(m => m.Name == "rl/proxy_reward").Select(m => m.Step));
        Assert.Equal([1L, 2L, 3L], metrics.Where(m => m.Name == "rl/gold_reward").Select(m => m.Step));
        Assert.Single(metrics, m => m.Name == "eval/sampled/win_rate");
        Assert.Single(metrics, m => m.Name == "eval/greedy/win_rate");
        var sftLoss = metrics.Where(m => m.Name == "sft/loss").Select(m => m.Value).ToArray();
        Assert.True(sftLoss[^1] < sftLoss[0], $"SFT loss should fall: {sftLoss[0]:F3} → {sftLoss[^1]:F3}");

        var checkpoints = await fixture.RunStore.GetCheckpointsAsync(run.RunId);
        Assert.Equal([0, 1, 2, 3], checkpoints.Where(c => c.Kind == "policy").Select(c => c.Version));
        Assert.Single(checkpoints, c => c.Kind == "rm-bt" && c.Version == 1);
        foreach (var checkpoint in checkpoints)
        {
            Assert.True(await fixture.CheckpointStore.ExistsAsync(run.RunId, checkpoint.Kind, checkpoint.Version));
            Assert.Equal(64, checkpoint.Sha256.Length);
            Assert.True(checkpoint.SizeBytes > 0);
        }

        var results = (await fixture.RunStore.GetResultsAsync(run.RunId)).ToDictionary(r => r.Key, r => r.Value);
        Assert.InRange(results["win_rate"], 0, 1);
        Assert.Equal(3, results["policy_version"]);
        Assert.InRange(results["lc_win_rate"], 0, 1);
        Assert.Contains(results["overoptimized"], new[] { 0.0, 1.0 });
        Assert.Single(await fixture.RunStore.GetEventsAsync(run.RunId), e => e.Kind == "over-optimization");
        var bonKl = metrics.Where(m => m.Name == "bon/kl").ToArray();
        Assert.Equal(Enumerable.Range(1, 16).Select(n => (long)n), bonKl.Select(m => m.Step));
        Assert.Equal(Math.Log(16) - 15.0 / 16, bonKl[^1].Value, 12);
        Assert.Equal(16, metrics.Count(m => m.Name == "bon/gold_reward"));
        Assert.True(results["length_before"] > 0);
    }

    [Fact]
    public async Task PpoRunCompletesWithValueLossesRecordedPerStep()
    {
        var tiny = TinyRunSpec.Create("ppo", rlSteps: 2);
        // Linear decay over 2 steps with 50% warmup: lr 0 at the first step, the peak at the second.
        var spec = tiny with
        {
            Rl = tiny.Rl with
            {
                Algorithm = "ppo", Epochs = 2, Ppo = new PpoSpec { Critic = "separate", KlTarget = 1.0 },
                LrSchedule = "linear", WarmupRatio = 0.5, MissingEosPenalty = 1.0,
            },
        };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await WaitForEndAsync(run.RunId);
        Assert.True(final.Status == RunStatus.Completed, (await fixture.RunStore.GetRunAsync(run.RunId))?.Error);
        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.Equal([1L, 2L], metrics.Where(m => m.Name == "rl/value_loss").Select(m => m.Step));
        Assert.Equal([0.0, spec.Rl.LearningRate], metrics.Where(m => m.Name == "rl/lr").Select(m => m.Value));
        Assert.Equal(2, metrics.Count(m => m.Name == "rl/ended_with_eos"));
        Assert.Equal([1L, 2L], metrics.Where(m => m.Name == "rl/gold_reward").Select(m => m.Step));
    }

    [Fact]
    public async Task SameSpecAndSeedGiveTheSameMetricsEvenWhenRunsInterleave()
    {
        var spec = TinyRunSpec.Create("twin", rlSteps: 2);
        var first = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var second = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        Assert.Equal(RunStatus.Completed, (await WaitForEndAsync(first.RunId)).Status);
        Assert.Equal(RunStatus.Completed, (await WaitForEndAsync(second.RunId)).Status);

        var a = await fixture.RunStore.GetMetricsAsync(first.RunId);
        var b = await fixture.RunStore.GetMetricsAsync(second.RunId);
        Assert.Equal(a.Count, b.Count);
        Assert.Equal(a.Select(m => (m.Name, m.Step, m.Value)), b.Select(m => (m.Name, m.Step, m.Value)));
        Assert.Equal(await fixture.RunStore.GetResultsAsync(first.RunId), await fixture.RunStore.GetResultsAsync(second.RunId));
    }

    [Fact]
    public async Task RolloutsFannedOutOverThreeGeneratorsGiveTheRunOneGeneratorGives()
    {
        var spec = TinyRunSpec.Create("fan-out", rlSteps: 2);
        var one = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var three = await fixture.Submission.SubmitAsync(spec with { Rollout = new RolloutSpec { Generators = 3 } }, CancellationToken.None);
        Assert.Equal(RunStatus.Completed, (await WaitForEndAsync(one.RunId)).Status);
        Assert.Equal(RunStatus.Completed, (await WaitForEndAsync(three.RunId)).Status);

        var a = (await fixture.RunStore.GetMetricsAsync(one.RunId)).Where(m => m.Name.StartsWith("rl/")).ToArray();
        var b = (await fixture.RunStore.GetMetricsAsync(three.RunId)).Where(m => m.Name.StartsWith("rl/")).ToArray();
        Assert.NotEmpty(a);
        Assert.Equal(a.Select(m => (m.Name, m.Step)), b.Select(m => (m.Name, m.Step)));
        // Same tokens; log-probs of a row computed in a smaller batch may differ in the last bits.
        Assert.All(a.Zip(b), p => Assert.True(Math.Abs(p.First.Value - p.Second.Value) <= 1e-4 * Math.Max(1, Math.Abs(p.First.Value)),
            $"{p.First.Name} step {p.First.Step}: {p.First.Value} with one generator, {p.Second.Value} with three"));
        var generators = (await fixture.Cluster.Client.GetGrain<IClusterViewGrain>(0).Get()).Silos
            .SelectMany(s => s.Runs).Where(r => r.RunId == three.RunId).SelectMany(r => r.Grains).Count(g => g.StartsWith("rolloutgenerator", StringComparison.Ordinal));
        Assert.Equal(3, generators);
    }

    [Fact]
    public async Task EnsembleRewardModelIsCommittedAsOneCheckpointAndScoresWithItsAggregate()
    {
        var tiny = TinyRunSpec.Create("ensemble", rlSteps: 1);
        var spec = tiny with
        {
            RewardModel = tiny.RewardModel with
            {
                Name = "ens", Objective = "ensemble",
                Hyperparameters = new RewardObjectiveSpec { EnsembleMembers = 2, EnsembleAggregate = "min" },
            },
        };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await WaitForEndAsync(run.RunId);
        var record = await fixture.RunStore.GetRunAsync(run.RunId);
        Assert.True(final.Status == RunStatus.Completed, $"run ended {final.Status}: {record?.Error}");

        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.Equal(7, metrics.Count(m => m.Name == "rm/member0/loss"));
        Assert.Equal(7, metrics.Count(m => m.Name == "rm/member1/loss"));
        Assert.Single(metrics, m => m.Name == "rm/heldout_effective_rank");

        var checkpoint = Assert.Single(await fixture.RunStore.GetCheckpointsAsync(run.RunId), c => c.Kind == "rm-ens");
        string folder = Path.Combine(Path.GetTempPath(), "ens-" + Guid.NewGuid().ToString("N"));
        try
        {
            await fixture.CheckpointStore.ReadAsync(run.RunId, checkpoint.Kind, checkpoint.Version, folder);
            using var ensemble = Training.RewardModels.RewardModelFolder.Load(folder);
            Assert.Equal(2, ensemble.Members.Count);
            Assert.Equal("min", ensemble.Aggregate);
            int[][] prompts = [[256, 97, 98, 99, 58]], responses = [[97, 97, 257]];
            var scorer = fixture.Cluster.Client.GetGrain<IRewardScorerGrain>($"{run.RunId}/{checkpoint.Kind}/{checkpoint.Version}");
            Assert.Equal(ensemble.Score(prompts, responses), await scorer.Score(prompts, responses));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task CancelledRunStopsAndStaysCancelled()
    {
        var run = await fixture.Submission.SubmitAsync(TinyRunSpec.Create("to-cancel", rlSteps: 200), CancellationToken.None);
        var grain = fixture.Cluster.Client.GetGrain<IRunGrain>(run.RunId);
        Assert.True(await grain.Cancel());
        var final = await WaitForEndAsync(run.RunId);
        Assert.Equal(RunStatus.Cancelled, final.Status);
        Assert.False(await grain.Cancel());
        await Task.Delay(500);
        Assert.Equal(RunStatus.Cancelled, (await fixture.RunStore.GetRunAsync(run.RunId))!.Status);
    }

    [Fact]
    public async Task MissingDataFileFailsTheRunWithAClearError()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-pairs-{Guid.NewGuid():N}.jsonl");
        var spec = TinyRunSpec.Create("missing-data") with { RewardModel = TinyRunSpec.Create().RewardModel with { Data = missing } };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await WaitForEndAsync(run.RunId);
        var record = await fixture.RunStore.GetRunAsync(run.RunId);
        Assert.Equal(RunStatus.Failed, final.Status);
        Assert.Contains($"data file not found: {missing}", record!.Error);
    }
}
