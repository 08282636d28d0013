using Microsoft.Playwright;
using Xunit.Abstractions;

namespace RlhfPlatform.Dashboard.Tests;

/// <summary>The dashboard behind the API's keys: pages load without one, data does not; the key travels only in the Authorization header.</summary>
[Collection(DashboardCollection.Name)]
public sealed class DashboardAccessTests(DashboardPlatform platform, ITestOutputHelper output)
{
    [Fact]
    public async Task WithoutAKeyThePageLoadsButShowsNoRunsAndTheKeyTravelsOnlyInTheAuthorizationHeader()
    {
        await using var session = await DashboardSession.OpenAsync(platform, "/");
        Assert.EndsWith("/dashboard/", session.Page.Url);
        var prompt = session.Page.Locator("#key-prompt");
        await prompt.WaitForAsync();
        Assert.Contains("needs an API key", await prompt.InnerTextAsync());
        string before = await session.Page.Locator("main").InnerTextAsync();
        foreach (string runId in platform.ExperimentRunIds.Append(platform.OtherRunId)) Assert.DoesNotContain(runId, before);
        Assert.Contains(session.Requests, r => r.Url.EndsWith("/api/runs?pageSize=100") && r.Authorization == null);

        // A wrong key is refused and the prompt comes back, saying so; still no data.
        await session.EnterKeyAsync("rlhf_0000000000000000_not-a-real-secret", refused: true);
        Assert.Equal(1, await prompt.CountAsync());
        Assert.DoesNotContain(platform.OtherRunId, await session.Page.Locator("main").InnerTextAsync());

        await session.EnterKeyAsync(platform.ReaderKey);
        await session.WaitUntilLoadedAsync();
        var table = await session.TableAsync("#runs");
        Assert.Equal(platform.ExperimentRunIds.Append(platform.OtherRunId).Order(), table.Select(row => row[0]).Where(platform.ExperimentRunIds.Append(platform.OtherRunId).Contains).Order());

        string screenshot = Screenshots.PathFor("runs-table.png");
        await session.Page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        output.WriteLine($"screenshot: {screenshot}");

        // The key was in no URL (page or request) and in no page text; every API call after the prompt carried it.
        string secret = platform.ReaderKey;
        Assert.DoesNotContain(session.Requests, r => r.Url.Contains(secret));
        Assert.DoesNotContain(secret, session.Page.Url);
        Assert.DoesNotContain(secret, await session.Page.ContentAsync());
        var apiCalls = session.Requests.Where(r => r.Url.Contains("/api/")).ToList();
        Assert.Contains(apiCalls, r => r.Authorization == $"Bearer {platform.ReaderKey}");
        Assert.All(apiCalls.Where(r => r.Authorization != null), r => Assert.StartsWith("Bearer ", r.Authorization));
        Assert.Empty(session.ScriptErrors);
    }

    [Fact]
    public async Task AKeyRevokedWhileThePageIsOpenBringsThePromptBackAndAnUnknownRunStopsTheRefresh()
    {
        var (keyId, key) = await platform.CreateKeyAsync("reader", "revoked-while-open");
        string runId = platform.ExperimentRunIds[0];
        await using var session = await DashboardSession.OpenAsync(platform, "/dashboard/");
        await session.EnterKeyAsync(key);
        await session.Page.Locator($"#runs tr[data-run-id='{runId}']").WaitForAsync();
        Assert.Equal(key, await session.Page.EvaluateAsync<string>("() => sessionStorage.getItem('rlhf.apiKey')"));

        await platform.RevokeKeyAsync(keyId);
        var prompt = session.Page.Locator("#key-prompt", new PageLocatorOptions { HasTextString = "refused that key" });
        await prompt.WaitForAsync(); // the next refresh (2 s) is refused
        Assert.Null(await session.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('rlhf.apiKey')"));
        await session.EnterKeyAsync(platform.ReaderKey);
        await session.Page.Locator("#updated:not(.error)").WaitForAsync();

        // A run that does not exist: the page says so and stops asking.
        await session.Page.GotoAsync($"{platform.Url}/dashboard/run.html?id=no-such-run");
        await session.Page.Locator("#updated.error", new PageLocatorOptions { HasTextString = "no run with id 'no-such-run'" }).WaitForAsync();
        int asked = session.Requests.Count(r => r.Url.Contains("/api/runs/no-such-run"));
        await session.Page.WaitForTimeoutAsync(3000);
        Assert.Equal(asked, session.Requests.Count(r => r.Url.Contains("/api/runs/no-such-run")));
    }

    [Fact]
    public async Task TheStaticFilesNeedNoKeyTheDataDoesAndTheLibraryIsServedByTheApiItself()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(platform.Url) };
        foreach (string path in new[] { "/dashboard/", "/dashboard/run.html", "/dashboard/runs.js", "/dashboard/dashboard.css",
                     "/dashboard/vendor/chart.js-4.6.1/chart.umd.min.js", "/dashboard/vendor/chart.js-4.6.1/LICENSE.md" })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
            Assert.Contains("script-src 'self'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
        }
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/experiments/{DashboardPlatform.Experiment}/comparison")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await anonymous.GetAsync("/dashboard/no-such-file.js")).StatusCode);

        // Our scripts build the pages from text nodes and attributes only: nothing the API says is parsed as HTML.
        foreach (string script in new[] { "api.js", "keyprompt.js", "dom.js", "live.js", "charts.js", "runs.js", "run.js", "experiment.js" })
        {
            string code = await anonymous.GetStringAsync($"/dashboard/{script}");
            Assert.DoesNotMatch("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|eval\\(|new Function", code);
        }

        // Every page names only files beside it: no CDN, no other host, no inline script.
        foreach (string page in new[] { "index.html", "run.html", "experiment.html" })
        {
            string html = await anonymous.GetStringAsync($"/dashboard/{page}");
            var references = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
            Assert.Contains(references, r => r.EndsWith(".js"));
            Assert.All(references, r => Assert.Matches("^[a-z0-9./-]+$", r));
            Assert.All(references, r => Assert.False(r.StartsWith('/'), r));
            Assert.DoesNotMatch("<script>", html);
        }
    }
}
