using System.Diagnostics;
using RlhfPlatform.AdminApi.Experiments;
using RlhfPlatform.Contracts;

namespace RlhfPlatform.Grains.Tests;

/// <summary>A run on an HF-layout base with a real BPE tokenizer and chat template, chat-format data, prompt files and a gold reward-model judge.</summary>
public sealed class BringYourOwnRunTests(EmbeddedClusterFixture fixture) : IClassFixture<EmbeddedClusterFixture>
{
    static async Task<RunProgress> WaitForEndAsync(EmbeddedClusterFixture fixture, string runId)
    {
        var grain = fixture.Cluster.Client.GetGrain<IRunGrain>(runId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var progress = await grain.GetProgress();
            if (progress.Status.IsTerminal()) return progress;
            await Task.Delay(100, timeout.Token);
        }
    }

    [Fact]
    public async Task RunOnABaseModelJudgedByAGoldRewardModelRecordsGoldWinRatesAndLengths()
    {
        using var example = new ByoExample();
        var clock = Stopwatch.StartNew();
        var spec = RunSpecParser.Parse(await File.ReadAllTextAsync(example.SpecPath), example.Folder) with { Experiment = "byo-" + Guid.NewGuid().ToString("N")[..6] };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await WaitForEndAsync(fixture, run.RunId);
        var record = await fixture.RunStore.GetRunAsync(run.RunId);
        Assert.True(final.Status == RunStatus.Completed, $"run ended {final.Status}: {record?.Error}");
        Console.WriteLine($"bring-your-own run: {clock.Elapsed.TotalSeconds:F1} s");

        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.Equal(4, metrics.Count(m => m.Name == "sft/loss"));
        Assert.Equal([1L, 2L], metrics.Where(m => m.Name == "rl/gold_reward").Select(m => m.Step));
        Assert.Equal(2, metrics.Count(m => m.Name == "rl/length_tokens"));
        Assert.InRange(Assert.Single(metrics, m => m.Name == "rm/eval/id/accuracy").Value, 0, 1);
        Assert.Equal(4, Assert.Single(metrics, m => m.Name == "rm/eval/id/pairs").Value);
        Assert.Equal(4, Assert.Single(metrics, m => m.Name == "rm/eval/ood/pairs").Value);
        Assert.DoesNotContain(metrics, m => m.Name == "rm/heldout_accuracy"); // nothing to generate held-out pairs from
        Assert.Single(metrics, m => m.Name == "eval/sampled/length_chars_mean");
        Assert.Equal(4, metrics.Count(m => m.Name == "bon/gold_reward"));

        var results = (await fixture.RunStore.GetResultsAsync(run.RunId)).ToDictionary(r => r.Key, r => r.Value);
        Assert.InRange(results["win_rate"], 0, 1);
        Assert.InRange(results["lc_win_rate"], 0, 1);
        Assert.True(double.IsFinite(results["gold_reward_after"]) && double.IsFinite(results["gold_reward_before"]));
        Assert.InRange(results["length_after"], 0, spec.Evaluation.MaxNewTokens);
        // Characters of the decoded text: special and unused ids decode to nothing, the longest merge ("hello") to 5.
        Assert.InRange(results["length_chars_after"], 0, 5 * spec.Evaluation.MaxNewTokens);
        Assert.InRange(results["length_chars_before"], 0, 5 * spec.Evaluation.MaxNewTokens);

        var comparison = await ExperimentComparison.BuildAsync(fixture.RunStore, spec.Experiment, CancellationToken.None);
        var row = Assert.Single(comparison.Rows);
        Assert.Equal(run.RunId, row.RunId);
        Assert.Equal(results["gold_reward_after"], row.GoldAfter);
        Assert.Equal(results["win_rate"], row.WinRate);
        Assert.Equal(results["lc_win_rate"], row.LcWinRate);
        Assert.Equal(results["length_after"], row.LengthAfter);

        // The SFT policy carries the base's tokenizer files, so it can leave the platform as an HF folder.
        var policy = Assert.Single(await fixture.RunStore.GetCheckpointsAsync(run.RunId), c => c.Kind == "policy" && c.Version == 0);
        string copy = Path.Combine(example.Folder, "policy-0");
        await fixture.CheckpointStore.ReadAsync(run.RunId, policy.Kind, policy.Version, copy);
        Assert.True(File.Exists(Path.Combine(copy, "tokenizer.json")));
    }

    [Fact]
    public async Task ABfloat16BaseWithoutSftIsPolicyVersionZeroAsItIs()
    {
        using var example = new ByoExample();
        var parsed = RunSpecParser.Parse(await File.ReadAllTextAsync(example.SpecPath), example.Folder);
        var spec = parsed with
        {
            Name = "byo-bf16",
            Policy = parsed.Policy with { Dtype = "bfloat16", Sft = parsed.Policy.Sft with { Steps = 0, Data = null } },
            Rl = parsed.Rl with { Steps = 1 },
        };
        var run = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var final = await WaitForEndAsync(fixture, run.RunId);
        Assert.True(final.Status == RunStatus.Completed, (await fixture.RunStore.GetRunAsync(run.RunId))?.Error);
        var metrics = await fixture.RunStore.GetMetricsAsync(run.RunId);
        Assert.DoesNotContain(metrics, m => m.Name == "sft/loss");
        Assert.Contains(await fixture.RunStore.GetEventsAsync(run.RunId), e => e.Message.Contains("no SFT (policy.sft.steps 0)"));
        Assert.Single(metrics, m => m.Name == "rl/gold_reward");
    }

    [Fact]
    public async Task SameBringYourOwnSpecAndSeedGiveTheSameMetrics()
    {
        using var example = new ByoExample();
        var spec = RunSpecParser.Parse(await File.ReadAllTextAsync(example.SpecPath), example.Folder) with { Name = "byo-twin" };
        var first = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        var second = await fixture.Submission.SubmitAsync(spec, CancellationToken.None);
        Assert.Equal(RunStatus.Completed, (await WaitForEndAsync(fixture, first.RunId)).Status);
        Assert.Equal(RunStatus.Completed, (await WaitForEndAsync(fixture, second.RunId)).Status);
        var a = await fixture.RunStore.GetMetricsAsync(first.RunId);
        var b = await fixture.RunStore.GetMetricsAsync(second.RunId);
        Assert.Equal(a.Select(m => (m.Name, m.Step, m.Value)), b.Select(m => (m.Name, m.Step, m.Value)));
        Assert.Equal(await fixture.RunStore.GetResultsAsync(first.RunId), await fixture.RunStore.GetResultsAsync(second.RunId));
    }

    [Fact]
    public async Task SubmissionNamesABaseThatIsNotASupportedModelAndAJudgeThatIsNotARewardModel()
    {
        using var example = new ByoExample();
        File.WriteAllText(Path.Combine(example.Folder, "model", "config.json"), """{ "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2" }""");
        var spec = RunSpecParser.Parse(await File.ReadAllTextAsync(example.SpecPath), example.Folder) with { Experiment = "refused-" + Guid.NewGuid().ToString("N")[..6] };

        var error = await Assert.ThrowsAsync<RunSpecException>(() => fixture.Submission.SubmitAsync(spec, CancellationToken.None));
        Assert.Contains("policy.base:", error.Message);
        Assert.Contains("GPT2LMHeadModel", error.Message);
        Assert.Empty(await fixture.RunStore.ListRunsAsync(spec.Experiment));

        File.Copy(Path.Combine(example.Folder, "gold-rm", "config.json"), Path.Combine(example.Folder, "model", "config.json"), overwrite: true);
        File.WriteAllText(Path.Combine(example.Folder, "gold-rm", "config.json"),
            File.ReadAllText(Path.Combine(example.Folder, "gold-rm", "config.json")).Replace("\"linear\"", "\"none\""));
        var judgeError = await Assert.ThrowsAsync<RunSpecException>(() => fixture.Submission.SubmitAsync(spec, CancellationToken.None));
        Assert.Contains("evaluation.judge.model:", judgeError.Message);
        Assert.Contains("not a reward model", judgeError.Message);
    }
}
