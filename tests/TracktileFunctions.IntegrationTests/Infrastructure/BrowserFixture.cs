using Microsoft.Playwright;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// A real headless Chromium, driven by Playwright: Debian's package at <c>CHROMIUM_PATH</c> (default
/// <c>/usr/bin/chromium</c>; tests/test.sh installs it when missing), never a browser of Playwright's own download.
/// One per test class (<c>IClassFixture&lt;BrowserFixture&gt;</c>); each test opens its own page in a fresh context.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The environment variable that names the Chromium executable.</summary>
    public const string PathVariable = "CHROMIUM_PATH";

    /// <summary>Where Debian's <c>chromium</c> package puts it.</summary>
    public const string DefaultPath = "/usr/bin/chromium";

    /// <summary>The longest a page step (a navigation, a click, an expectation) waits.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The executable the tests drive.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {ExecutablePath}: run the tests with bash tests/test.sh (it installs Debian's chromium), " +
                $"or install it (apt-get install -y chromium), or set {PathVariable}.");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Assertions.SetDefaultExpectTimeout((float)StepTimeout.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = (float)TimeSpan.FromSeconds(15).TotalMilliseconds,
        });
    }

    /// <summary>A new page in a new context (its own cookies and storage), with bounded step timeouts.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var browser = _browser ?? throw new InvalidOperationException("The browser is not started.");
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        context.SetDefaultTimeout((float)StepTimeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)StepTimeout.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
