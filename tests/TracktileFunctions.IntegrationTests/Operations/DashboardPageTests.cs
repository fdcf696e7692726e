using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Playwright;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Operations;
using static Microsoft.Playwright.Assertions;

namespace TracktileFunctions.IntegrationTests.Operations;

/// <summary>
/// The status page on its own in a real headless Chromium: the real <see cref="DashboardFunction"/> serves it, and
/// the JSON it reads is a fixed answer of the endpoints' contract (so what it shows, escapes and refuses is exact).
/// The page against the real endpoints, Azurite and the sandbox is <see cref="DashboardBrowserTests"/>.
/// </summary>
public sealed class DashboardPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private const string Status = """
        {
          "generatedAt": "2026-03-01T12:00:00Z", "windowMinutes": 60,
          "queues": [
            { "name": "tracktile-orders", "depth": 3, "oldestAgeSeconds": 125, "poisonDepth": 2, "poisonOldestAgeSeconds": 7200 },
            { "name": "tracktile-inventory", "depth": 0, "oldestAgeSeconds": null, "poisonDepth": 0, "poisonOldestAgeSeconds": null }
          ],
          "systems": [
            { "name": "Tracktile", "role": "source", "lastSuccessAt": "2026-03-01T11:59:00Z", "lastFailureAt": null, "lastFailure": null,
              "recent": { "ok": 41 }, "connection": { "healthy": true, "details": ["token accepted"] } },
            { "name": "ERP", "role": "erp", "lastSuccessAt": "2026-03-01T11:00:00Z", "lastFailureAt": "2026-03-01T11:58:00Z",
              "lastFailure": "400 invalid_customer: customer cus_1 is blocked", "recent": { "ok": 7, "429": 2, "timeout": 1 },
              "connection": { "healthy": false, "details": ["token endpoint refused the client"] } }
          ],
          "productBatch": {
            "watermark": "2026-03-01T11:00:00Z",
            "runs": [
              { "startedAt": "2026-03-01T11:00:05Z", "durationMs": 2300, "trigger": "timer", "status": "succeeded", "seen": 250, "handedOff": 250, "pages": 3, "failed": 0, "error": null },
              { "startedAt": "2026-03-01T10:00:05Z", "durationMs": 900, "trigger": "manual", "status": "failed", "seen": 100, "handedOff": 100, "pages": 1, "failed": 1, "error": "Tracktile answered 503" }
            ]
          },
          "webhooks": [
            { "source": "tracktile", "accepted": 12, "refused": { "bad signature": 2, "too old": 1 }, "lastAcceptedAt": "2026-03-01T11:59:30Z",
              "lastRefusedAt": "2026-03-01T11:40:00Z", "lastRefusal": "bad signature" }
          ]
        }
        """;

    private const string Failures = """
        {
          "failures": [
            { "queue": "tracktile-orders", "eventId": "evt_1", "kind": "order.status.changed", "firstSeenAt": "2026-03-01T10:00:00Z",
              "lastSeenAt": "2026-03-01T10:00:01Z", "attempts": 1, "reason": "ERP answered 400 invalid_customer: customer cus_1 is blocked",
              "preview": "{\"id\":\"evt_1\",\"kind\":\"order.status.changed\"}" },
            { "queue": "tracktile-orders", "eventId": "evt_2", "kind": "order.status.changed", "firstSeenAt": "2026-03-01T10:05:00Z",
              "lastSeenAt": "2026-03-01T10:05:00Z", "attempts": 20, "reason": "ERP answered 401", "preview": "{}" },
            { "queue": "tracktile-orders", "eventId": "evt_gone", "kind": "order.status.changed", "firstSeenAt": "2026-03-01T10:06:00Z",
              "lastSeenAt": "2026-03-01T10:06:00Z", "attempts": 1, "reason": "ERP answered 400", "preview": "{}" },
            { "queue": "tracktile-orders", "eventId": "evt_refused", "kind": "order.status.changed", "firstSeenAt": "2026-03-01T10:07:00Z",
              "lastSeenAt": "2026-03-01T10:07:00Z", "attempts": 1, "reason": "ERP answered 400", "preview": "{}" }
          ]
        }
        """;

    private readonly ConcurrentQueue<(string Queue, string Body)> _replays = new();
    private HttpFunctionHost _host = null!;
    private volatile string _status = Status;
    private volatile string _failures = Failures;
    private volatile int _statusCode = 200;

    public async Task InitializeAsync()
    {
        var dashboard = new DashboardFunction(new Dashboard());
        _host = await HttpFunctionHost.StartAsync(
        [
            HttpFunctionRoute.Sync("GET", "dashboard", dashboard.Run, functionKey: true),
            HttpFunctionRoute.Sync("GET", "status", _ => Json(_status, _statusCode), functionKey: true),
            HttpFunctionRoute.Sync("GET", "ops/failures", _ => Json(_failures), functionKey: true),
            new("POST", "ops/replay/{queue}", ReplayAsync, FunctionKey: true),
        ]);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Page_StatusAndFailures_ShowsEverySection()
    {
        var page = await OpenAsync();

        var orders = page.Locator("#queues-table tbody tr[data-queue='tracktile-orders']");
        await Expect(orders).ToHaveClassAsync("poisoned"); // non-zero poison is highlighted
        await Expect(orders.Locator("[data-field='depth']")).ToHaveTextAsync("3");
        await Expect(orders.Locator("[data-field='poison-depth']")).ToHaveTextAsync("2");
        await Expect(orders).ToContainTextAsync("2 min"); // the oldest message's age
        await Expect(orders.GetByRole(AriaRole.Button, new() { Name = "Replay all 2 poisoned messages of tracktile-orders" })).ToBeVisibleAsync();
        var inventory = page.Locator("#queues-table tbody tr[data-queue='tracktile-inventory']");
        await Expect(inventory).Not.ToHaveClassAsync("poisoned");
        await Expect(inventory.Locator("button")).ToHaveCountAsync(0);

        var failure = page.Locator("#failures-table tbody tr[data-event-id='evt_1']");
        await Expect(failure).ToHaveAttributeAsync("data-queue", "tracktile-orders");
        await Expect(failure.Locator("[data-field='reason']")).ToHaveTextAsync("ERP answered 400 invalid_customer: customer cus_1 is blocked");
        await Expect(failure).ToContainTextAsync("order.status.changed");
        await Expect(failure).ToContainTextAsync("2026-03-01 10:00:00 UTC");
        await Expect(failure).ToContainTextAsync("{\"id\":\"evt_1\",\"kind\":\"order.status.changed\"}");
        await Expect(page.Locator("#failures-count")).ToHaveTextAsync("(4)");

        var erp = page.Locator("#systems-table tbody tr[data-system='ERP']");
        await Expect(erp.Locator("[data-field='healthy']")).ToHaveTextAsync("unhealthy");
        await Expect(erp).ToContainTextAsync("token endpoint refused the client");
        await Expect(erp).ToContainTextAsync("customer cus_1 is blocked");
        await Expect(erp.Locator("[data-outcome='429']")).ToHaveTextAsync("429: 2");
        await Expect(page.Locator("#systems-table tbody tr[data-system='Tracktile'] [data-field='healthy']")).ToHaveTextAsync("healthy");

        await Expect(page.Locator("#batch-watermark")).ToHaveTextAsync("2026-03-01 11:00:00 UTC");
        await Expect(page.Locator("#runs-table tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#runs-table tbody tr[data-status='failed']")).ToContainTextAsync("Tracktile answered 503");
        await Expect(page.Locator("#runs-table tbody tr[data-status='succeeded']")).ToContainTextAsync("2.3 s");

        var webhook = page.Locator("#webhooks-table tbody tr[data-source='tracktile']");
        await Expect(webhook).ToContainTextAsync("12");
        await Expect(webhook.Locator("[data-outcome='bad signature']")).ToHaveTextAsync("bad signature: 2");
        await Expect(page.Locator("#error-banner")).ToBeHiddenAsync();
        await Expect(page.Locator("#last-updated time")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Page_OpenedWithoutCode_SendsNoKeyAndStillWorks()
    {
        var page = await OpenAsync();
        await Expect(page.Locator("#failures-table tbody tr[data-event-id='evt_1']")).ToBeVisibleAsync();

        var calls = _host.Received.Where(r => r.PathAndQuery is "/api/status" or "/api/ops/failures").ToList();

        Assert.NotEmpty(calls);
        Assert.All(calls, r => Assert.Null(r.FunctionKeyHeader)); // locally there is no key, and none is made up
        await Expect(page.Locator("#error-banner")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Dashboard_Served_HtmlWithASecurityPolicyAndNoCaching()
    {
        var page = await browser.NewPageAsync();

        var answer = await page.GotoAsync(new Uri(_host.BaseAddress, "api/dashboard").ToString());

        Assert.NotNull(answer);
        var headers = await answer.AllHeadersAsync();
        Assert.Equal("text/html; charset=utf-8", headers["content-type"]);
        Assert.StartsWith("default-src 'self'; script-src 'unsafe-inline'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("nosniff", headers["x-content-type-options"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]); // the key in the address never leaves as a referrer
        Assert.Equal("no-store", headers["cache-control"]);
        await Expect(page).ToHaveTitleAsync("Tracktile Functions: status");
    }

    [Fact]
    public async Task Page_DataHoldsMarkup_ShownAsTextNeverRun()
    {
        _failures = """
            {"failures":[{"queue":"q<b>x</b>","eventId":"evt_<img src=x onerror=window.__pwned=1>","kind":"<script>window.__pwned=2</script>",
            "firstSeenAt":"2026-03-01T10:00:00Z","lastSeenAt":"2026-03-01T10:00:00Z","attempts":1,
            "reason":"<img src=x onerror=\"window.__pwned=3\">","preview":"</code><svg onload=window.__pwned=4>"}]}
            """;
        var page = await OpenAsync();

        var row = page.Locator("#failures-table tbody tr[data-event-id='evt_<img src=x onerror=window.__pwned=1>']");
        await Expect(row.Locator("[data-field='reason']")).ToHaveTextAsync("<img src=x onerror=\"window.__pwned=3\">");
        await Expect(row).ToContainTextAsync("<script>window.__pwned=2</script>");
        Assert.Equal(0, await page.Locator("#failures-table img, #failures-table svg, #failures-table script, #failures-table b").CountAsync());
        Assert.Equal("none", await page.EvaluateAsync<string>("() => String(window.__pwned ?? 'none')"));
    }

    [Fact]
    public async Task Page_StatusAnswers500_ShowsTheStatusCodeAndNoBody()
    {
        _statusCode = 500;
        _status = """{"error":"System.InvalidOperationException: at TracktileFunctions.Secret()"}""";
        var page = await OpenAsync("?refresh=0.5");

        var banner = page.Locator("#error-banner");
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToHaveTextAsync("Status: HTTP 500");
        await Expect(page.Locator("#failures-table tbody tr[data-event-id='evt_1']")).ToBeVisibleAsync(); // the other call still shows

        _statusCode = 200;
        _status = Status;
        await Expect(banner).ToBeHiddenAsync(); // the next refresh clears it
        await Expect(page.Locator("#queues-table tbody tr[data-queue='tracktile-orders']")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Page_ReplayClicked_PostsThatEventIdAndShowsTheAnswer()
    {
        var page = await OpenAsync();

        await page.Locator("#failures-table tbody tr[data-event-id='evt_2']")
            .GetByRole(AriaRole.Button, new() { Name = "Replay event evt_2 of tracktile-orders" }).ClickAsync();

        await Expect(page.Locator("#replay-result")).ToHaveTextAsync("tracktile-orders: moved 1");
        var (queue, body) = Assert.Single(_replays);
        Assert.Equal("tracktile-orders", queue);
        using var json = JsonDocument.Parse(body);
        Assert.Equal(["evt_2"], json.RootElement.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Page_ReplayAllClicked_PostsNoBodyAndShowsHowManyMoved()
    {
        var page = await OpenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay all 2 poisoned messages of tracktile-orders" }).ClickAsync();

        await Expect(page.Locator("#replay-result")).ToHaveTextAsync("tracktile-orders: moved 2");
        var (queue, body) = Assert.Single(_replays);
        Assert.Equal(("tracktile-orders", ""), (queue, body)); // no body: the whole poison queue
    }

    [Fact]
    public async Task Page_ReplayOfAnEventNoLongerPoisoned_SaysItWasNotFound()
    {
        var page = await OpenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay event evt_gone of tracktile-orders" }).ClickAsync();

        await Expect(page.Locator("#replay-result")).ToHaveTextAsync("tracktile-orders: moved 0; not found: evt_gone");
    }

    [Fact]
    public async Task Page_ReplayRefused_ShowsTheStatusCode()
    {
        var page = await OpenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Replay event evt_refused of tracktile-orders" }).ClickAsync();

        await Expect(page.Locator("#replay-result")).ToHaveTextAsync("Replay tracktile-orders: HTTP 409");
        await Expect(page.Locator("#replay-result")).ToHaveClassAsync("banner error");
    }

    [Fact]
    public async Task Page_RefreshParameter_RefreshesAtThatPeriod()
    {
        var page = await OpenAsync("?refresh=0.5");
        await Expect(page.Locator("#refresh-every")).ToHaveTextAsync("Refreshes every 0.5 s");
        await Expect(page.Locator("#failures-table tbody tr")).ToHaveCountAsync(4);

        _failures = """{"failures":[]}""";

        await Expect(page.Locator("#failures-table tbody tr")).ToHaveTextAsync(["No failures."]);
    }

    [Fact]
    public async Task Page_NoRefreshParameter_RefreshesEveryFiveSeconds()
    {
        var page = await OpenAsync();

        await Expect(page.Locator("#refresh-every")).ToHaveTextAsync("Refreshes every 5 s");
    }

    [Fact]
    public async Task Page_NarrowViewport_OnlyTheTablesScrollSideways()
    {
        var page = await OpenAsync(width: 375);
        await Expect(page.Locator("#failures-table tbody tr[data-event-id='evt_1']")).ToBeVisibleAsync();

        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");

        Assert.True(widths[0] <= widths[1], $"the page is {widths[0]}px wide in a {widths[1]}px viewport");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Refresh now" })).ToBeInViewportAsync();
    }

    private async Task<IPage> OpenAsync(string query = "", int width = 1280)
    {
        var page = await browser.NewPageAsync(width);
        var answer = await page.GotoAsync(new Uri(_host.BaseAddress, "api/dashboard" + query).ToString());
        Assert.Equal(200, answer?.Status);
        return page;
    }

    /// <summary>Moves what it is asked to: 1 of one event, 2 of the whole queue; evt_gone is not there, evt_refused is refused.</summary>
    private async Task<IActionResult> ReplayAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body);
        var queue = (string)request.RouteValues["queue"]!;
        var body = await reader.ReadToEndAsync(cancellationToken);
        _replays.Enqueue((queue, body));
        return body switch
        {
            "" => Json($$"""{"queue":"{{queue}}","moved":2,"notFound":[]}"""),
            _ when body.Contains("evt_gone", StringComparison.Ordinal) => Json($$"""{"queue":"{{queue}}","moved":0,"notFound":["evt_gone"]}"""),
            _ when body.Contains("evt_refused", StringComparison.Ordinal) => Json("replay already running", 409),
            _ => Json($$"""{"queue":"{{queue}}","moved":1,"notFound":[]}"""),
        };
    }

    private static ContentResult Json(string body, int statusCode = 200)
        => new() { StatusCode = statusCode, Content = body, ContentType = "application/json; charset=utf-8" };
}
