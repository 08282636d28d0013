using System.Text.Json.Nodes;
using RlhfPlatform.Grains.Tests;

namespace RlhfPlatform.Cli.Tests;

/// <summary>`rlhf data push` stores files and model folders as versions and prints blob: URIs that run specs read.</summary>
public sealed class DataPushTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-push-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    async Task<string> PushAsync(string path, string? name, string output)
    {
        string[] args = name == null ? ["data", "push", path, "--out", output] : ["data", "push", path, "--name", name, "--out", output];
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(args);
        Assert.True(exit == 0, stdout + stderr);
        return stdout.Trim();
    }

    [Fact]
    public async Task PushedDataAndModelFoldersRunThroughTheirBlobUris()
    {
        using var example = new ByoExample();
        string output = Path.Combine(folder, "out");
        Assert.Equal("blob:data/prefs/1/preferences.jsonl", await PushAsync(Path.Combine(example.Folder, "data", "preferences.jsonl"), "prefs", output));
        Assert.Equal("blob:data/prefs/2/preferences.jsonl", await PushAsync(Path.Combine(example.Folder, "data", "preferences.jsonl"), "prefs", output));
        Assert.Equal("blob:data/model/1", await PushAsync(Path.Combine(example.Folder, "model"), null, output));

        var spec = JsonNode.Parse(await File.ReadAllTextAsync(example.SpecPath))!;
        spec["policy"]!["base"] = "blob:data/model/1";
        spec["rewardModel"]!["data"] = "blob:data/prefs/2/preferences.jsonl";
        Directory.Delete(Path.Combine(example.Folder, "model"), recursive: true); // only the pushed copy remains
        string specPath = Path.Combine(example.Folder, "pushed.json");
        await File.WriteAllTextAsync(specPath, spec.ToJsonString());
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(["run", specPath, "--out", output], timeout: TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, stdout + stderr);

        spec["rewardModel"]!["data"] = "blob:data/prefs/9/preferences.jsonl";
        await File.WriteAllTextAsync(specPath, spec.ToJsonString());
        var (badExit, _, badErr) = await RlhfProcess.RunAsync(["run", specPath, "--out", output]);
        Assert.Equal(1, badExit);
        Assert.StartsWith("error: ", badErr.Trim());
        Assert.Contains("rewardModel.data: blob:data/prefs/9/preferences.jsonl is not in the data store", badErr);
    }
}
