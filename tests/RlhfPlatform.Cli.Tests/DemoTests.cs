using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>The README's first command: the quick demo runs end to end and its benchmark shows over-optimization.</summary>
public sealed class DemoTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-demo-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task QuickDemoDetectsOverOptimizationOfABradleyTerryRewardModelTrainedFromScratch()
    {
        string json = Path.Combine(folder, "demo.json");
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(
            ["demo", "--quick", "--reward-models", "bt", "--rm-init", "scratch", "--out", Path.Combine(folder, "out"), "--json", json], timeout: TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, stdout + stderr);

        var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
        var bt = result.GetProperty("rows").EnumerateArray().Single();
        Assert.Equal("bt", bt.GetProperty("rewardModel").GetString());
        // Seed 1: a BT proxy trained from random weights on the noisy pairs learns "longer is better";
        // RLOO against it drives responses past the gold optimum (12 characters), so gold falls while
        // the proxy rises, and the run's verdict says so. (Started from the SFT policy, the same
        // proxy generalizes well enough that 15 steps do not over-optimize.)
        Assert.True(bt.GetProperty("overOptimized").GetBoolean(), bt.ToString());
        Assert.True(bt.GetProperty("lengthAfter").GetDouble() > 12, bt.ToString());
        Assert.True(bt.GetProperty("goldAfter").GetDouble() < bt.GetProperty("goldBefore").GetDouble(), bt.ToString());
        foreach (string report in new[] { "comparisonJson", "comparisonCsv", "plotSvg", "plotPng", "bestOfNPlotSvg", "bestOfNPlotPng" })
            Assert.True(File.Exists(result.GetProperty("paths").GetProperty(report).GetString()), report);
    }
}
