using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace RlhfPlatform.Dashboard.Tests;

/// <summary>
/// One browser page on the dashboard in a fresh context, recording every request it makes (URL and
/// Authorization header), every uncaught script error and every console error.
/// </summary>
public sealed class DashboardSession : IAsyncDisposable
{
    public sealed record SentRequest(string Url, string? Authorization);

    readonly ConcurrentQueue<SentRequest> requests = new();
    readonly ConcurrentQueue<string> scriptErrors = new();

    DashboardSession(IPage page, string baseUrl)
    {
        Page = page;
        BaseUrl = baseUrl;
        page.Request += (_, request) => requests.Enqueue(new SentRequest(request.Url, request.Headers.GetValueOrDefault("authorization")));
        page.PageError += (_, error) => scriptErrors.Enqueue(error);
        // A refused API call (401) is logged by the browser as a failed resource load: that is the prompt's cue, not an error.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("401")) scriptErrors.Enqueue(message.Text);
        };
    }

    public IPage Page { get; }
    public string BaseUrl { get; }
    public IReadOnlyCollection<SentRequest> Requests => requests;
    /// <summary>Uncaught script errors and console errors (a CSP violation is one).</summary>
    public IReadOnlyCollection<string> ScriptErrors => scriptErrors;

    public static async Task<DashboardSession> OpenAsync(DashboardPlatform platform, string path)
    {
        var session = new DashboardSession(await platform.Browser.NewPageAsync(), platform.Url);
        var response = await session.Page.GotoAsync(platform.Url + path);
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        return session;
    }

    /// <summary>Types the key into the prompt the page shows; unless told it will be refused, waits for the prompt to go.</summary>
    public async Task EnterKeyAsync(string key, bool refused = false)
    {
        var prompt = Page.Locator("#key-prompt");
        await prompt.WaitForAsync();
        await Page.FillAsync("#key-input", key);
        await Page.ClickAsync("#key-prompt button[type=submit]");
        if (refused) await Page.Locator("#key-prompt", new PageLocatorOptions { HasTextString = "refused that key" }).WaitForAsync();
        else await prompt.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
    }

    /// <summary>Waits until the page's refresh has shown data once and, given <paramref name="finished"/>, has stopped refreshing.</summary>
    public async Task WaitUntilLoadedAsync(bool finished = false)
    {
        await Page.Locator("body[data-loaded=true]").WaitForAsync();
        if (finished) await Page.Locator("#updated", new PageLocatorOptions { HasTextString = "(finished)" }).WaitForAsync();
    }

    /// <summary>The text of every cell of a table's body, row by row.</summary>
    public async Task<IReadOnlyList<string[]>> TableAsync(string tableSelector)
    {
        var rows = new List<string[]>();
        foreach (var row in await Page.Locator($"{tableSelector} tbody tr").AllAsync())
            rows.Add((await row.Locator("td").AllInnerTextsAsync()).Select(t => t.Trim()).ToArray());
        return rows;
    }

    public async ValueTask DisposeAsync() => await Page.Context.CloseAsync();
}
