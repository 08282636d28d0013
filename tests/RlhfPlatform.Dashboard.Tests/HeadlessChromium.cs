using Microsoft.Playwright;

namespace RlhfPlatform.Dashboard.Tests;

/// <summary>
/// Debian's chromium (scripts/install-test-deps.sh installs it) driven by Playwright through its
/// executable path: Playwright downloads no browser. Each <see cref="NewPageAsync"/> is a fresh
/// context: no cookies, no session storage, so no key from an earlier page.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    // Without the background-networking flags chromium's own start-up traffic is refused by a closed
    // network and the browser may stall; the rest keep it quiet and deterministic.
    static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    readonly IPlaywright playwright;
    readonly IBrowser browser;

    HeadlessChromium(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        this.browser = browser;
    }

    public static async Task<HeadlessChromium> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath)) throw new InvalidOperationException($"{ExecutablePath} is missing: run scripts/install-test-deps.sh");
        var playwright = await Playwright.CreateAsync();
        try
        {
            // Playwright gives the browser a fresh temporary user-data-dir of its own and removes it on close.
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Args,
                Timeout = 60_000,
            });
            return new HeadlessChromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 1000 },
            DeviceScaleFactor = 1,
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        context.SetDefaultTimeout(20_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await browser.CloseAsync();
        playwright.Dispose();
    }
}
