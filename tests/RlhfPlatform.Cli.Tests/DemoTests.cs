using System.Text.Json;

namespace RlhfPlatform.Cli.Tests;

/// <summary>The README's first command: the quick demo runs end to end and its benchmark shows over-optimization.</summary>
public sealed class DemoTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-demo-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task QuickDemoInTheDefaultConfigurationOverOptimizesTheBradleyTerryProxy()
    {
        string json = Path.Combine(folder, "demo.json");
        var (exit, stdout, stderr) = await RlhfProcess.RunAsync(
            ["demo", "--quick", "--reward-models", "bt", "--out", Path.Combine(folder, "out"), "--json", json], timeout: TimeSpan.FromMinutes(8));
        Assert.True(exit == 0, stdout + stderr);

        var result = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement;
        var bt = result.GetProperty("rewardModels").EnumerateArray().Single();
        Assert.Equal("bt", bt.GetProperty("rewardModel").GetString());
        var seed = bt.GetProperty("seeds").EnumerateArray().Single();
        var rl = seed.GetProperty("rl");
        // Seed 1, SFT-initialised BT proxy on pairs with 25% flipped labels, 48 RLOO steps at β_KL 0.01:
        // smoothed gold peaks early (near 1 nat) and then falls by well over the verdict's 0.1 while the
        // proxy keeps rising; responses end up past the gold optimum of 12 characters.
        Assert.True(rl.GetProperty("overOptimized").GetBoolean(), rl.ToString());
        Assert.True(rl.GetProperty("goldDrop").GetDouble() >= 0.3, rl.ToString());
        Assert.True(rl.GetProperty("proxyRise").GetDouble() > 0, rl.ToString());
        Assert.True(rl.GetProperty("klEnd").GetDouble() > 4, rl.ToString());
        Assert.True(rl.GetProperty("goldEnd").GetDouble() < rl.GetProperty("goldAtPeak").GetDouble() - 0.3, rl.ToString());
        // Best-of-N reaches ln 256 - 255/256 = 4.55 nats: gold at 1, 2 and 4 nats, none at 8.
        var bonGold = seed.GetProperty("bestOfN").GetProperty("goldAtKl").EnumerateArray().ToArray();
        Assert.All(bonGold[..3], g => Assert.Equal(JsonValueKind.Number, g.ValueKind));
        Assert.Equal(JsonValueKind.Null, bonGold[3].ValueKind);
        foreach (string report in new[] { "comparisonJson", "comparisonCsv", "benchmarkCsv", "benchmarkSummaryCsv", "plotSvg", "plotPng",
                     "bestOfNPlotSvg", "bestOfNPlotPng", "lengthPlotSvg", "lengthPlotPng", "summarySvg", "summaryPng" })
            Assert.True(File.Exists(result.GetProperty("paths").GetProperty(report).GetString()), report);
        var csv = await File.ReadAllLinesAsync(result.GetProperty("paths").GetProperty("benchmarkCsv").GetString()!);
        Assert.Equal(3, csv.Length); // header, bt seed 1 rl, bt seed 1 bon
        Assert.All(stdout.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, line));
    }
}
