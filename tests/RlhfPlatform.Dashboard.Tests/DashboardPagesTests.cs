using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace RlhfPlatform.Dashboard.Tests;

/// <summary>The dashboard's pages over real finished runs, looked at in headless Chromium with a reader key.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardPagesTests(DashboardPlatform platform, ITestOutputHelper output)
{
    // charts.js's palette, in order.
    const string Blue = "#1f77b4", Red = "#d62728", Green = "#2ca02c", Orange = "#ff7f0e";

    async Task<DashboardSession> OpenAsync(string path)
    {
        var session = await DashboardSession.OpenAsync(platform, path);
        await session.EnterKeyAsync(platform.ReaderKey);
        return session;
    }

    async Task<ScreenshotPixels> CanvasAsync(DashboardSession session, string id, string screenshotName)
    {
        string path = Screenshots.PathFor(screenshotName);
        byte[] png = await session.Page.Locator($"#{id}").ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        output.WriteLine($"screenshot: {path}");
        return new ScreenshotPixels(png);
    }

    async Task SavePageAsync(DashboardSession session, string name)
    {
        string path = Screenshots.PathFor(name);
        await session.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }

    [Fact]
    public async Task TheRunsTableFiltersByExperimentAndStatusAndShowsANewRunsProgressAndCancellationWithoutAReload()
    {
        await using var session = await OpenAsync($"/dashboard/?experiment={DashboardPlatform.Experiment}");
        await session.WaitUntilLoadedAsync();
        var rows = await session.TableAsync("#runs");
        Assert.Equal(platform.ExperimentRunIds.Order(), rows.Select(r => r[0]).Order());
        Assert.All(rows, r => Assert.Equal([DashboardPlatform.Experiment, "completed", "done"], new[] { r[2], r[3], r[5] }));

        await session.Page.SelectOptionAsync("#filters select[name=status]", "failed");
        await session.Page.Locator("#runs tbody td", new PageLocatorOptions { HasTextString = "none yet" }).WaitForAsync();
        Assert.EndsWith($"?experiment={DashboardPlatform.Experiment}&status=failed", session.Page.Url);

        // All experiments, any status: a run submitted now shows up, its progress moves, and its cancellation
        // shows, all by the page's own refresh.
        await session.Page.FillAsync("#filters input[name=experiment]", "");
        await session.Page.SelectOptionAsync("#filters select[name=status]", "");
        await session.Page.Locator($"#runs tr[data-run-id='{platform.OtherRunId}']").WaitForAsync();
        string longRun = await platform.SubmitRunAsync("long", DashboardPlatform.OtherExperiment, rlSteps: 5000);
        var progress = session.Page.Locator($"#runs tr[data-run-id='{longRun}'] progress");
        await progress.WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal("5000", await progress.GetAttributeAsync("max"));
        int firstStep = int.Parse((await progress.GetAttributeAsync("value"))!, CultureInfo.InvariantCulture);
        await session.Page.WaitForFunctionAsync("([id, step]) => Number(document.querySelector(`#runs tr[data-run-id='${id}'] progress`)?.value) > step",
            new object[] { longRun, firstStep });
        Assert.Equal(longRun, (await session.TableAsync("#runs"))[0][0]); // newest first
        await platform.CancelAsync(longRun);
        await session.Page.Locator($"#runs tr[data-run-id='{longRun}'] .status-cancelled").WaitForAsync();
        Assert.Empty(session.ScriptErrors);
    }

    [Fact]
    public async Task TheRunPageShowsAFinishedRunsCurvesEventsAndCheckpoints()
    {
        string runId = platform.ExperimentRunIds[0];
        await using var session = await OpenAsync($"/dashboard/run.html?id={runId}");
        await session.WaitUntilLoadedAsync(finished: true);
        await SavePageAsync(session, "run-page.png");
        Assert.Contains(runId, await session.Page.Locator("#facts").InnerTextAsync());

        // Gold (blue, solid) and proxy (red, dashed) on the reward chart; KL green; length orange.
        var reward = await CanvasAsync(session, "reward-chart", "run-reward-chart.png");
        Assert.True(reward.InkFraction > 0.01, $"reward chart nearly blank ({reward.InkFraction:P2})");
        Assert.True(reward.CountNear(Blue) > 30, $"no gold series: {reward.CountNear(Blue)} blue pixels");
        Assert.True(reward.CountNear(Red) > 30, $"no proxy series: {reward.CountNear(Red)} red pixels");
        var kl = await CanvasAsync(session, "kl-chart", "run-kl-chart.png");
        Assert.True(kl.CountNear(Green) > 30, $"no KL series: {kl.CountNear(Green)} green pixels");
        Assert.True(kl.CountNear(Blue) < 5, "the KL chart shows another chart's colour");
        var length = await CanvasAsync(session, "length-chart", "run-length-chart.png");
        Assert.True(length.CountNear(Orange) > 30, $"no length series: {length.CountNear(Orange)} orange pixels");

        // The charts plot what the API stores: as many points as metric rows.
        var stored = await platform.GetJsonAsync($"/api/runs/{runId}/metrics?name=rl/gold_reward");
        Assert.True(stored.GetArrayLength() >= 2);
        int plotted = await session.Page.EvaluateAsync<int>("id => Chart.getChart(document.getElementById(id)).data.datasets[0].data.length", "reward-chart");
        Assert.Equal(stored.GetArrayLength(), plotted);

        var events = await session.TableAsync("#events");
        Assert.Equal("submitted", events[0][1]);
        Assert.Contains(events, e => e[1] == "completed");
        var checkpoints = await session.TableAsync("#checkpoints");
        var storedCheckpoints = await platform.GetJsonAsync($"/api/runs/{runId}/checkpoints");
        Assert.Equal(storedCheckpoints.GetArrayLength(), checkpoints.Count);
        Assert.Contains(checkpoints, c => c[0] == "policy");
        var results = (await session.TableAsync("#results")).ToDictionary(r => r[0], r => r[1]);
        var run = await platform.GetJsonAsync($"/api/runs/{runId}");
        double winRate = run.GetProperty("results").GetProperty("win_rate").GetDouble();
        Assert.Equal(winRate, double.Parse(results["win_rate"], CultureInfo.InvariantCulture), 3);
        Assert.Empty(session.ScriptErrors);
    }

    [Fact]
    public async Task TheExperimentPageShowsTheSeedAggregatedComparisonAndItsPlots()
    {
        await using var session = await OpenAsync($"/dashboard/experiment.html?name={DashboardPlatform.Experiment}");
        await session.WaitUntilLoadedAsync(finished: true);
        await SavePageAsync(session, "experiment-page.png");
        var comparison = await platform.GetJsonAsync($"/api/experiments/{DashboardPlatform.Experiment}/comparison");

        // One row per reward model: 2 of 2 seeds completed, mean ± std as the API aggregates them.
        var aggregates = (await session.TableAsync("#aggregates")).ToDictionary(r => r[0]);
        Assert.Equal(["bsr", "bt"], aggregates.Keys.Order());
        foreach (var aggregate in comparison.GetProperty("aggregates").EnumerateArray())
        {
            var row = aggregates[aggregate.GetProperty("rewardModel").GetString()!];
            Assert.Equal("2/2", row[2]);
            var winRate = aggregate.GetProperty("figures").GetProperty("winRate");
            string[] meanAndStd = row[3].Split(" ± ");
            Assert.Equal(winRate.GetProperty("mean").GetDouble(), double.Parse(meanAndStd[0], CultureInfo.InvariantCulture), 2);
            Assert.Equal(winRate.GetProperty("std").GetDouble(), double.Parse(meanAndStd[1], CultureInfo.InvariantCulture), 1);
            var lengthAfter = aggregate.GetProperty("figures").GetProperty("lengthAfter");
            Assert.Equal(lengthAfter.GetProperty("mean").GetDouble(), double.Parse(row[5].Split(" ± ")[0], CultureInfo.InvariantCulture), 0);
        }
        var rows = await session.TableAsync("#rows");
        Assert.Equal(platform.ExperimentRunIds.Order(), rows.Select(r => r[0]).Order());

        // Reward against KL for RL and Best-of-N, and length per reward model: both reward models' colours (bt first: blue, bsr: red).
        var models = comparison.GetProperty("aggregates").EnumerateArray().Select(a => a.GetProperty("rewardModel").GetString()).ToList();
        Assert.Equal(["bt", "bsr"], models);
        foreach (string chart in new[] { "rl-chart", "bon-chart", "length-chart" })
        {
            var pixels = await CanvasAsync(session, chart, $"experiment-{chart}.png");
            Assert.True(pixels.CountNear(Blue) > 30, $"{chart}: no bt series ({pixels.CountNear(Blue)} blue pixels)");
            Assert.True(pixels.CountNear(Red) > 30, $"{chart}: no bsr series ({pixels.CountNear(Red)} red pixels)");
        }
        var winRateChart = await CanvasAsync(session, "winrate-chart", "experiment-winrate-chart.png");
        Assert.True(winRateChart.InkFraction > 0.01, $"win rate chart nearly blank ({winRateChart.InkFraction:P2})");
        // Each bar is as tall as its mean: one with a visible mean shows its colour.
        foreach (var (model, colour) in new[] { ("bt", Blue), ("bsr", Red) })
        {
            double mean = comparison.GetProperty("aggregates").EnumerateArray().Single(a => a.GetProperty("rewardModel").GetString() == model)
                .GetProperty("figures").GetProperty("winRate").GetProperty("mean").GetDouble();
            if (mean > 0.05) Assert.True(winRateChart.CountNear(colour) > 30, $"win rate {mean} of {model} has no bar");
        }
        int bonPoints = await session.Page.EvaluateAsync<int>("id => Chart.getChart(document.getElementById(id)).data.datasets.reduce((n, d) => n + d.data.length, 0)", "bon-chart");
        int storedBonPoints = comparison.GetProperty("bestOfNCurves").EnumerateArray().Sum(c => c.GetProperty("kl").GetArrayLength()) * 2;
        Assert.Equal(storedBonPoints, bonPoints);
        Assert.Empty(session.ScriptErrors);
    }
}
