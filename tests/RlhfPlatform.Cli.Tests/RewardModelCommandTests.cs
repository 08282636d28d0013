using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf rm synth | train | eval | score` end to end on the synthetic data, no downloads.</summary>
public sealed class RewardModelCommandTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-rm-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task SynthTrainEvalAndScoreAnEnsemble()
    {
        string data = Path.Combine(folder, "data"), model = Path.Combine(folder, "rm");
        var synth = await RlhfProcess.RunAsync(["rm", "synth", "--out", data, "--train", "300", "--eval", "80"]);
        Assert.True(synth.ExitCode == 0, synth.Stderr);

        var train = await RlhfProcess.RunAsync(["rm", "train", "--data", Path.Combine(data, "train.jsonl"), "--method", "ensemble",
            "--ensemble-members", "2", "--ensemble-aggregate", "min", "--config", "tiny", "--epochs", "1", "--label-noise", "0.25",
            "--eval", $"id={Path.Combine(data, "id.jsonl")}", "--eval", $"ood={Path.Combine(data, "ood-long.jsonl")}",
            "--out", model, "--json"], timeout: TimeSpan.FromMinutes(2));
        Assert.True(train.ExitCode == 0, train.Stderr);
        using var summary = JsonDocument.Parse(train.Stdout);
        Assert.Equal(2, summary.RootElement.GetProperty("members").GetInt32());
        Assert.Equal(75, summary.RootElement.GetProperty("labelsFlipped").GetInt32());
        Assert.Equal(["id", "ood"], summary.RootElement.GetProperty("evals").EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray());
        Assert.True(File.Exists(Path.Combine(model, "reward_ensemble.json")));
        Assert.True(File.Exists(Path.Combine(model, "member-1", "model.safetensors")));

        var eval = await RlhfProcess.RunAsync(["rm", "eval", "--model", model, "--data", Path.Combine(data, "ranking.jsonl"), "--json"]);
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        var report = JsonDocument.Parse(eval.Stdout).RootElement.GetProperty("evals")[0];
        Assert.Equal("ranking", report.GetProperty("name").GetString());
        Assert.True(report.GetProperty("rankingSets").GetInt32() == 20 && report.GetProperty("kendallTau").ValueKind == JsonValueKind.Number);

        string toScore = Path.Combine(folder, "score.jsonl");
        await File.WriteAllLinesAsync(toScore, ["""{"prompt": "abc:", "response": "abcabc"}""", """{"prompt": "abc:", "chosen": "ab", "rejected": "zz"}"""]);
        var score = await RlhfProcess.RunAsync(["rm", "score", "--model", model, "--data", toScore]);
        Assert.True(score.ExitCode == 0, score.Stderr);
        var lines = score.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(JsonValueKind.Number, lines[0].GetProperty("reward").ValueKind);
        Assert.EndsWith("score.jsonl:2", lines[1].GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Number, lines[1].GetProperty("rejected_reward").ValueKind);
    }

    [Fact]
    public async Task AMalformedTrainingRecordIsOneErrorLineAndSkipInvalidCountsIt()
    {
        string data = Path.Combine(folder, "bad.jsonl");
        await File.WriteAllLinesAsync(data, ["""{"prompt": "ab:", "chosen": "aa", "rejected": "z"}""", """{"prompt": "ab:", "chosen": "a"}"""]);
        var failed = await RlhfProcess.RunAsync(["rm", "train", "--data", data, "--config", "tiny", "--out", Path.Combine(folder, "x")]);
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal($"error: {data}:2: field 'rejected' is missing", failed.Stderr.Trim());

        var skipped = await RlhfProcess.RunAsync(["rm", "train", "--data", data, "--config", "tiny", "--max-steps", "2", "--skip-invalid",
            "--out", Path.Combine(folder, "y"), "--json"]);
        Assert.True(skipped.ExitCode == 0, skipped.Stderr);
        Assert.Contains("1 invalid skipped", JsonDocument.Parse(skipped.Stdout).RootElement.GetProperty("dataReport").GetString());
    }
}
