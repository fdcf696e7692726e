using System.Text.Json;
using System.Web;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Tracktile;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.QuickBooks;

/// <summary>
/// The app with QuickBooks Online as its ledger against the sandbox's QuickBooks (Intuit's authorize and token endpoints
/// with rotating refresh tokens, the Accounting API with SyncToken, requestid, faults and throttling, signed CloudEvents
/// webhooks) and its Tracktile, with this app's QuickBooks webhook served on a real port.
/// </summary>
public abstract class QuickBooksTestBase(AzuriteFixture azurite, ITestOutputHelper output) : ConnectorTestBase(azurite, output, "webhooks/quickbooks")
{
    protected const string Realm = SandboxState.QuickBooksRealmId;

    protected const string CallbackUrl = "https://app.example.test/api/connect/quickbooks/callback";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("QuickBooks:ClientId", SandboxState.QuickBooksClientId),
        new("QuickBooks:ClientSecret", SandboxState.QuickBooksClientSecret),
        new("QuickBooks:RedirectUri", CallbackUrl),
        new("QuickBooks:BaseUrl", Sandbox.QuickBooksBaseAddress.ToString()),
        new("QuickBooks:AuthorizeUrl", Sandbox.QuickBooksAuthorizeAddress.ToString()),
        new("QuickBooks:TokenUrl", Sandbox.QuickBooksTokenAddress.ToString()),
        new("QuickBooks:WebhookVerifierTokens:0", "an-older-verifier-token"),
        new("QuickBooks:WebhookVerifierTokens:1", SandboxState.QuickBooksDefaultVerifierToken),
        new("QuickBooks:Items:IncomeAccountId", SandboxState.QuickBooksIncomeAccountId),
        new("QuickBooks:ThrottleWaitSeconds", "1"),
        new("QuickBooks:Resilience:BaseDelaySeconds", "0.05"),
        new("QuickBooks:Resilience:AttemptTimeoutSeconds", "3"),
        new("Processing:RetryBaseDelaySeconds", "1"),
        new("Processing:RetryMaxDelaySeconds", "1"),
        new("Processing:MaxAttempts", "4"),
        .. MoreSettings,
    ];

    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    protected override Task<Microsoft.AspNetCore.Mvc.IActionResult> InvokeWebhookAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
        => ActivatorUtilities.CreateInstance<QuickBooksWebhookFunction>(App).RunAsync(request, cancellationToken);

    protected override void ConfigureSandbox(SandboxState state)
    {
        state.SeedOrders(new TracktileOrder("ord_1", "SO-1", "cus_1", new DateOnly(2026, 12, 10), "USD", "inProgress",
            [new TracktileOrderItem("prod_jam", 3, 4.5m), new TracktileOrderItem("prod_honey", 1, 12m)]));
        state.SeedShipments(new TracktileShipment("shp_1", "SHP-001", "ord_1", "in_transit",
            [new TracktileShipmentItem("prod_jam", 3, ["LOT-J1", "LOT-J2"]), new TracktileShipmentItem("prod_honey", 1, ["LOT-H1"])]));
        state.SeedCustomer("cus_1", JsonSerializer.SerializeToElement(new
        {
            id = "cus_1", name = "Bistro Ltd", email = "ada@bistro.test", phone = "555-0100",
            address = new { line1 = "1 Main St", city = "Springfield", state = "IL", postalCode = "62701", country = "US" },
        }));
    }

    protected override async Task BeforeAppAsync()
    {
        await base.BeforeAppAsync();
        State.QuickBooksWebhookUrl = WebhookUrl;
    }

    /// <summary>A person connects the company: the app's redirect, Intuit's consent page, the callback.</summary>
    protected async Task ConnectAsync(ServiceProvider? app = null)
    {
        var connect = (app ?? App).GetRequiredService<QuickBooksConnect>();
        var start = connect.Start();
        Assert.Equal(302, start.StatusCode);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var consent = await browser.GetAsync(start.Location);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, consent.StatusCode);
        var callback = consent.Headers.Location!;
        Assert.StartsWith(CallbackUrl, callback.AbsoluteUri, StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(callback.Query);
        var done = await connect.CallbackAsync(query["code"], query["state"], query["realmId"], query["error"], CancellationToken.None);
        Assert.Equal(200, done.StatusCode);
    }

    protected static string Completed(string id, int minute = 0)
        => OrderEvent(id, "ord_1", "completed", new DateTimeOffset(2026, 12, 1, 10, minute, 0, TimeSpan.Zero), previous: "inProgress");

    protected static string Cancelled(string id, int minute)
        => OrderEvent(id, "ord_1", "cancelled", new DateTimeOffset(2026, 12, 1, 10, minute, 0, TimeSpan.Zero), previous: "completed");

    /// <summary>Connected, products indexed, the order invoiced once: the invoice.</summary>
    protected async Task<System.Text.Json.Nodes.JsonObject> InvoicedAsync()
    {
        await ConnectAsync();
        await IndexProductsAsync();
        await StartFunctionAsync("QuickBooksInvoicesFunction");
        await PostTracktileAsync(Completed("evt_completed"));
        await DrainedAsync(TracktileFunctions.Processing.QueueNames.QuickBooksInvoices);
        return Assert.Single(State.QuickBooksInvoices);
    }
}
