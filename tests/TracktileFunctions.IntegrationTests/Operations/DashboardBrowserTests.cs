using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace TracktileFunctions.IntegrationTests.Operations;

/// <summary>
/// The status page in a real headless Chromium against the real endpoints: <see cref="DashboardFunction"/>,
/// <see cref="StatusFunction"/>, <see cref="FailuresFunction"/> and <see cref="ReplayPoisonFunction"/> built from the
/// app's services and served on 127.0.0.1 behind a function key, with Azurite, the sandbox's Tracktile and ERP, and
/// the order queue's function run by the real queue extension.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DashboardBrowserTests(AzuriteFixture azurite, ITestOutputHelper output, BrowserFixture browser)
    : PipelineTestBase(azurite, output), IClassFixture<BrowserFixture>
{
    private const string FunctionKey = "it-function-key";
    private const string Queue = QueueNames.TracktileOrders;
    private const string Blocked = "customer cus_1 is blocked";
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private HttpFunctionHost? _host;

    private HttpFunctionHost Host => _host ?? throw new InvalidOperationException("not started");

    protected override async Task BeforeAppAsync() => _host = await HttpFunctionHost.StartAsync(
    [
        HttpFunctionRoute.Sync("GET", "dashboard", request => Function<DashboardFunction>().Run(request), functionKey: true),
        new("GET", "status", (request, ct) => Function<StatusFunction>().RunAsync(request, ct), FunctionKey: true),
        new("GET", "ops/failures/{queue?}", (request, ct) => Function<FailuresFunction>().RunAsync(request, request.RouteValues["queue"] as string, ct), FunctionKey: true),
        new("POST", "ops/replay/{queue}", (request, ct) => Function<ReplayPoisonFunction>().RunAsync(request, (string)request.RouteValues["queue"]!, ct), FunctionKey: true),
    ], FunctionKey);

    protected override async Task DisposeMoreAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Page_OrderRefusedByTheErp_ShowsThePoisonedQueueAndTheReason()
    {
        await PoisonAnOrderAsync("evt_shown", "ord_shown");

        var page = await OpenAsync();

        var queue = page.Locator($"#queues-table tbody tr[data-queue='{Queue}']");
        await Expect(queue).ToHaveClassAsync("poisoned");
        await Expect(queue.Locator("[data-field='poison-depth']")).ToHaveTextAsync("1");
        await Expect(queue.Locator("[data-field='depth']")).ToHaveTextAsync("0");
        var failure = page.Locator($"#failures-table tbody tr[data-queue='{Queue}'][data-event-id='evt_shown']");
        await Expect(failure.Locator("[data-field='reason']")).ToContainTextAsync("400");
        await Expect(failure.Locator("[data-field='reason']")).ToContainTextAsync(Blocked);
        await Expect(failure).ToContainTextAsync("order.status.changed");
        await Expect(page.Locator("#webhooks-table tbody tr[data-source='tracktile']")).ToBeVisibleAsync();
        await Expect(page.Locator("#error-banner")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task ReplayClicked_AfterTheFaultIsRemoved_OrderReachesTheErpOnceAndTheFailureLeavesThePage()
    {
        await PoisonAnOrderAsync("evt_replay", "ord_replay");
        var page = await OpenAsync("&refresh=1");
        var failure = page.Locator($"#failures-table tbody tr[data-event-id='evt_replay']");
        await Expect(failure.Locator("[data-field='reason']")).ToContainTextAsync(Blocked);

        State.ClearFaults(); // the customer is unblocked in the ERP
        await failure.GetByRole(AriaRole.Button, new() { Name = $"Replay event evt_replay of {Queue}" }).ClickAsync();

        await Expect(page.Locator("#replay-result")).ToHaveTextAsync($"{Queue}: moved 1");
        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, Timeout, "the replayed event creates the sales order");
        await Expect(failure).ToHaveCountAsync(0);
        await Expect(page.Locator($"#queues-table tbody tr[data-queue='{Queue}'] [data-field='poison-depth']")).ToHaveTextAsync("0");
        await Expect(page.Locator("#failures-table tbody tr")).ToHaveTextAsync(["No failures."]);
        await DrainedAsync(Queue);
        var order = Assert.Single(State.SalesOrders);
        Assert.Equal(("ord_replay", "ready"), (order.ExternalId, order.Status));
        Assert.Equal(2, State.CallsTo("POST", "/erp/sales-orders").Count); // the refused one, and the replay's
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
        var replays = Host.Received.Where(r => r.Method == "POST" && r.PathAndQuery.StartsWith("/api/ops/replay/", StringComparison.Ordinal)).ToList();
        Assert.Equal($"/api/ops/replay/{Queue}", Assert.Single(replays).PathAndQuery);
    }

    [Fact]
    public async Task Page_OpenedWithCode_SendsItAsTheFunctionKeyOnEveryCall()
    {
        await PoisonAnOrderAsync("evt_key", "ord_key");

        var page = await OpenAsync("&refresh=0.5");
        await Expect(page.Locator("#failures-table tbody tr[data-event-id='evt_key']")).ToBeVisibleAsync();
        await Eventually.UntilAsync(() => Calls().Count(r => r.PathAndQuery == "/api/status") >= 2, Timeout, "the page refreshed");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Replay all 1 poisoned messages of {Queue}" }).ClickAsync();
        await Expect(page.Locator("#replay-result")).ToHaveTextAsync($"{Queue}: moved 1");

        var calls = Calls();
        Assert.Contains(calls, r => r.PathAndQuery == "/api/ops/failures");
        Assert.Contains(calls, r => r.Method == "POST");
        Assert.All(calls, r => Assert.Equal(FunctionKey, r.FunctionKeyHeader));
        await Expect(page.Locator("#error-banner")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Dashboard_OpenedWithAWrongCode_RefusedAndNothingElseCalled()
    {
        var page = await browser.NewPageAsync();
        var answer = await page.GotoAsync(new Uri(Host.BaseAddress, "api/dashboard?code=wrong").ToString());

        Assert.Equal(401, answer?.Status); // the host refuses the page itself, as the Functions host does
        var wrongKeyCalls = Host.Received.Where(r => r.PathAndQuery != "/api/dashboard?code=wrong" && r.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal));
        Assert.Empty(wrongKeyCalls);
    }

    [Fact]
    public async Task Page_Loaded_RequestsNothingFromAnotherOrigin()
    {
        var page = await browser.NewPageAsync();
        var urls = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) => urls.Enqueue(request.Url);

        await page.GotoAsync(new Uri(Host.BaseAddress, $"api/dashboard?code={FunctionKey}").ToString());
        await Expect(page.Locator("#last-updated time")).ToHaveCountAsync(1);

        Assert.NotEmpty(urls);
        Assert.All(urls, url => Assert.StartsWith(Host.BaseAddress.ToString(), url, StringComparison.Ordinal));
    }

    [Fact]
    public void Html_SelfContained_NoReferenceToAnotherOriginAndNoMarkupFromData()
    {
        var html = new Dashboard().Html;

        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"[""'(=]\s*//", html); // nor one without its scheme ("//host/...")
        Assert.DoesNotMatch(@"<(script|link|img|iframe)[^>]+(src|href)\s*=", html); // no file loaded at all: script and style are inline
        Assert.DoesNotContain("@import", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write", html); // data goes in as text only
        Assert.Contains("""<meta http-equiv="Content-Security-Policy" content="default-src 'self';""", html, StringComparison.Ordinal);
    }

    /// <summary>Seeds an order, makes the ERP refuse it permanently (400), and waits until its event is poisoned.</summary>
    private async Task PoisonAnOrderAsync(string eventId, string orderId)
    {
        SeedOrder(orderId);
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 400, times: null, errorCode: "invalid_customer", message: Blocked));
        await StartFunctionAsync("OrderEventsFunction");
        await PostTracktileAsync(OrderEvent(eventId, orderId, "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");
        await DrainedAsync(Queue);
    }

    private async Task<IPage> OpenAsync(string more = "")
    {
        var page = await browser.NewPageAsync();
        var answer = await page.GotoAsync(new Uri(Host.BaseAddress, $"api/dashboard?code={FunctionKey}{more}").ToString());
        Assert.Equal(200, answer?.Status);
        return page;
    }

    /// <summary>The calls the page's script made (everything under /api/ but the page itself).</summary>
    private List<HttpFunctionRequest> Calls()
        => [.. Host.Received.Where(r => r.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal) && !r.PathAndQuery.StartsWith("/api/dashboard", StringComparison.Ordinal))];

    private T Function<T>()
        where T : class
        => ActivatorUtilities.CreateInstance<T>(App);
}
