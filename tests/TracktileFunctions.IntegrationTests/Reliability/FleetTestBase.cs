using System.Text.Json;
using System.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Shopify;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Store;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>
/// Every system at once, as a manufacturer running all four would deploy the app: the ERP (the REST contract's),
/// QuickBooks (invoices), ShipHero (shipments and stock) and Shopify (stock), each against the sandbox's fake of it,
/// with the Tracktile webhook served over real HTTP and every queue function of those systems under the real queue
/// extension. A burst's events fan out: an order to the ERP and QuickBooks, a shipment to the ERP and ShipHero, a lot
/// received at the manufacturer's receiving to the ERP and Shopify, one received at the 3PL warehouse to the ERP and
/// ShipHero.
/// </summary>
public abstract class FleetTestBase(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    /// <summary>The queue functions of the fleet, one WebJobs host each.</summary>
    public static readonly IReadOnlyList<string> Functions =
    [
        "OrderEventsFunction", "ShipmentEventsFunction", "InventoryEventsFunction",
        "QuickBooksInvoicesFunction", "ShipHeroShipmentsFunction", "ShipHeroStockFunction", "ShopifyStockFunction",
    ];

    /// <summary>Every queue a burst's events land in.</summary>
    public static readonly IReadOnlyList<string> Queues =
    [
        QueueNames.TracktileOrders, QueueNames.TracktileShipments, QueueNames.TracktileInventory,
        QueueNames.QuickBooksInvoices, QueueNames.ShipHeroShipments, QueueNames.ShipHeroInventory, QueueNames.ShopifyInventory,
    ];

    private const int StartingJam = 50;
    private const int StartingHoney = 20;
    private const string QuickBooksCallback = "https://app.example.test/api/connect/quickbooks/callback";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private HttpFunctionHost? _webhook;

    /// <summary>The issue's burst: 1,000 webhooks, 10 % of them duplicates, shuffled.</summary>
    public static readonly BurstPlan Standard = BurstPlan.Create(1000);

    /// <summary>The burst of this test class.</summary>
    protected virtual BurstPlan Plan => Standard;

    /// <summary>What the queue processor logged: duplicates skipped, events done, poisoned.</summary>
    protected ProcessorLog Log { get; } = new();

    /// <summary>The Tracktile webhook's URL.</summary>
    protected Uri WebhookUrl => new(_webhook!.BaseAddress, "api/webhooks/tracktile");

    /// <summary>The Shopify variants, once seeded.</summary>
    protected IReadOnlyDictionary<string, ShopifyVariant> Variants { get; private set; } = new Dictionary<string, ShopifyVariant>();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Erp:Inventory:Locations:node_wh", "3PL/MAIN"),
        new("Processing:RetryBaseDelaySeconds", "1"),
        new("Processing:RetryMaxDelaySeconds", "2"),
        new("Processing:MaxAttempts", "10"),
        new("QuickBooks:ClientId", SandboxState.QuickBooksClientId),
        new("QuickBooks:ClientSecret", SandboxState.QuickBooksClientSecret),
        new("QuickBooks:RedirectUri", QuickBooksCallback),
        new("QuickBooks:BaseUrl", Sandbox.QuickBooksBaseAddress.ToString()),
        new("QuickBooks:AuthorizeUrl", Sandbox.QuickBooksAuthorizeAddress.ToString()),
        new("QuickBooks:TokenUrl", Sandbox.QuickBooksTokenAddress.ToString()),
        new("QuickBooks:WebhookVerifierTokens:0", SandboxState.QuickBooksDefaultVerifierToken),
        new("QuickBooks:Items:IncomeAccountId", SandboxState.QuickBooksIncomeAccountId),
        new("QuickBooks:ThrottleWaitSeconds", "1"),
        new("QuickBooks:Resilience:BaseDelaySeconds", "0.05"),
        new("QuickBooks:Resilience:AttemptTimeoutSeconds", "3"),
        new("ShipHero:BaseUrl", Sandbox.ShipHeroBaseAddress.ToString()),
        new("ShipHero:Username", SandboxState.ShipHeroUsername),
        new("ShipHero:Password", SandboxState.ShipHeroPassword),
        new("ShipHero:ShopName", SandboxState.ShipHeroShopName),
        new("ShipHero:Warehouses:0:Node", BurstPlan.Warehouse),
        new("ShipHero:Warehouses:0:WarehouseId", SandboxState.ShipHeroWarehouseId),
        new("ShipHero:WebhookUrl", "https://app.example.test/api/webhooks/shiphero"),
        new("ShipHero:Orders:SettleSeconds", "5"), // the sandbox's ShipHero finds a new order at once
        new("ShipHero:Resilience:BaseDelaySeconds", "0.05"),
        new("ShipHero:Resilience:AttemptTimeoutSeconds", "3"),
        new("Shopify:Shops:0:Domain", SandboxState.ShopifyShop),
        new("Shopify:ClientId", SandboxState.ShopifyClientId),
        new("Shopify:ClientSecrets:0", SandboxState.ShopifyClientSecret),
        new("Shopify:ShopUrl", Sandbox.ShopifyBaseAddress + "{shop}/"),
        new("Shopify:WebhookUrl", "https://app.example.test/api/webhooks/shopify"),
        new("Shopify:Stock:Locations:0:Node", BurstPlan.Receiving),
        new("Shopify:Stock:Locations:0:Location", SandboxState.ShopifyMainLocationId),
        new("Shopify:Resilience:BaseDelaySeconds", "0.05"),
        new("Shopify:Resilience:AttemptTimeoutSeconds", "3"),
        .. MoreSettings,
    ];

    /// <summary>Settings a test class adds.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    /// <summary>Only warnings and errors of the app reach the test output: a burst's information lines would drown them.</summary>
    protected override void ConfigureServices(IServiceCollection services)
        => services.AddLogging(logging => logging.AddProvider(Log).AddFilter<XunitLoggerProvider>(level => level >= LogLevel.Warning));

    protected override void ConfigureSandbox(SandboxState state)
    {
        var plan = Plan;
        var address = new TracktileAddress("Ada Lovelace", "Bistro Ltd", "1 Main St", null, "Springfield", "IL", "62701", "US", "555-0100", "ada@bistro.test");
        state.SeedOrders(Enumerable.Range(0, Math.Max(plan.Orders, plan.Shipments)).Select(i => new TracktileOrder(
            BurstPlan.OrderId(i), "SO-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), "cus_1", new DateOnly(2026, 12, 10), "USD", "completed",
            [new TracktileOrderItem("prod_jam", 3, 4.5m), new TracktileOrderItem("prod_honey", 1, 12m)], address)));
        state.SeedShipments([.. Enumerable.Range(0, plan.Shipments).Select(i => new TracktileShipment(
            BurstPlan.ShipmentId(i), "SHP-" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), BurstPlan.OrderId(i), "in_transit",
            [new TracktileShipmentItem("prod_jam", 3, ["LOT-J1"]), new TracktileShipmentItem("prod_honey", 1, [])]))]);
        state.SeedCustomer("cus_1", JsonSerializer.SerializeToElement(new
        {
            id = "cus_1", name = "Bistro Ltd", email = "ada@bistro.test", phone = "555-0100",
            address = new { line1 = "1 Main St", city = "Springfield", state = "IL", postalCode = "62701", country = "US" },
        }));
        state.SeedShipHeroProduct("JAM-250", "Jam 250 g", (SandboxState.ShipHeroWarehouseId, StartingJam));
        state.SeedShipHeroProduct("HONEY-500", "Honey 500 g", (SandboxState.ShipHeroWarehouseId, StartingHoney));
        Variants = new Dictionary<string, ShopifyVariant>(StringComparer.Ordinal)
        {
            ["JAM-250"] = state.SeedShopifyVariant(SandboxState.ShopifyShop, "JAM-250", [new ShopifyStock(SandboxState.ShopifyMainLocationId, StartingJam)]),
            ["HONEY-500"] = state.SeedShopifyVariant(SandboxState.ShopifyShop, "HONEY-500", [new ShopifyStock(SandboxState.ShopifyMainLocationId, StartingHoney)]),
        };
    }

    protected override async Task BeforeAppAsync()
        => _webhook = await HttpFunctionHost.StartAsync("webhooks/tracktile",
            (request, ct) => ActivatorUtilities.CreateInstance<TracktileWebhookFunction>(App).RunAsync(request, ct));

    protected override async Task DisposeMoreAsync()
    {
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
    }

    /// <summary>Connects QuickBooks (a person's consent through the sandbox's Intuit) and indexes the products' SKUs.</summary>
    protected async Task PrepareAsync()
    {
        var connect = App.GetRequiredService<QuickBooksConnect>();
        var start = connect.Start();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var consent = await browser.GetAsync(start.Location);
        var query = HttpUtility.ParseQueryString(consent.Headers.Location!.Query);
        var done = await connect.CallbackAsync(query["code"], query["state"], query["realmId"], query["error"], CancellationToken.None);
        Assert.Equal(200, done.StatusCode);
        var index = App.GetRequiredService<ProductSkuIndex>();
        foreach (var (product, sku) in BurstPlan.Products)
        {
            await index.SetAsync(product, sku, CancellationToken.None);
        }
    }

    /// <summary>Starts every queue function of the fleet in this process.</summary>
    protected async Task StartFleetAsync()
    {
        foreach (var function in Functions)
        {
            await StartFunctionAsync(function, hostLogs: false);
        }
    }

    /// <summary>A burst sender to this app's webhook.</summary>
    protected WebhookBurst Burst(int maxAttempts = 1, TimeSpan? clockSkew = null, Func<int, Task>? afterSend = null) => new(WebhookUrl, TestApp.TracktileSecret)
    {
        MaxAttempts = maxAttempts,
        ClockSkew = clockSkew ?? TimeSpan.Zero,
        AfterSend = afterSend,
    };

    /// <summary>What each system holds now against what <paramref name="accepted"/> events should have made, once each.</summary>
    protected FleetTally Tally(IReadOnlyCollection<string> accepted)
    {
        var plan = Plan;
        var ids = accepted.ToHashSet(StringComparer.Ordinal);
        var orders = Enumerable.Range(0, plan.Orders).Where(i => ids.Contains("evt_order_" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).Select(BurstPlan.OrderId).ToHashSet(StringComparer.Ordinal);
        var assigned = Enumerable.Range(0, plan.Shipments).Where(i => ids.Contains("evt_assigned_" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).Select(BurstPlan.ShipmentId).ToHashSet(StringComparer.Ordinal);
        var transit = Enumerable.Range(0, plan.Shipments).Where(i => ids.Contains("evt_transit_" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).Select(BurstPlan.ShipmentId).ToHashSet(StringComparer.Ordinal);
        var lots = Enumerable.Range(0, plan.Movements).Where(i => ids.Contains("evt_lot_" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        int Received(string sku, string node) => lots.Where(i => BurstPlan.Movement(i) is var m && m.Sku == sku && m.Node == node).Sum(i => BurstPlan.Movement(i).Quantity);

        var quickBooksOrders = State.QuickBooksInvoices.Select(i => i["DocNumber"]?.GetValue<string>() ?? "").ToList();
        var shipHeroOrders = State.ShipHeroOrders.Select(o => o.PartnerOrderId ?? "").ToList();
        var movements = State.StockMovements.Select(m => m.IdempotencyKey).ToList();
        return new FleetTally(
        [
            SystemTally.OfKeys("ERP sales orders", orders, State.SalesOrders.Select(o => o.ExternalId)),
            SystemTally.OfKeys("ERP shipments confirmed", transit, State.ShipmentConfirmations.Select(c => c.ShipmentId)),
            SystemTally.OfCount("ERP lot movements", lots.Count, movements.Count, movements.Distinct(StringComparer.Ordinal).Count()),
            SystemTally.OfCount("QuickBooks invoices", orders.Count, quickBooksOrders.Count, quickBooksOrders.Distinct(StringComparer.Ordinal).Count()),
            SystemTally.OfKeys("ShipHero orders", assigned, shipHeroOrders),
            SystemTally.OfQuantity("ShipHero stock JAM-250", Received("JAM-250", BurstPlan.Warehouse), (State.ShipHeroOnHand("JAM-250", SandboxState.ShipHeroWarehouseId) ?? 0) - StartingJam),
            SystemTally.OfQuantity("ShipHero stock HONEY-500", Received("HONEY-500", BurstPlan.Warehouse), (State.ShipHeroOnHand("HONEY-500", SandboxState.ShipHeroWarehouseId) ?? 0) - StartingHoney),
            SystemTally.OfQuantity("Shopify stock JAM-250", Received("JAM-250", BurstPlan.Receiving), ShopifyAvailable("JAM-250") - StartingJam),
            SystemTally.OfQuantity("Shopify stock HONEY-500", Received("HONEY-500", BurstPlan.Receiving), ShopifyAvailable("HONEY-500") - StartingHoney),
        ]);
    }

    /// <summary>Waits until every system holds what the accepted events should make and every queue is empty.</summary>
    protected async Task<FleetTally> SettledAsync(IReadOnlyCollection<string> accepted, TimeSpan timeout)
    {
        FleetTally tally = null!;
        try
        {
            await Eventually.UntilAsync(async () =>
            {
                tally = Tally(accepted);
                return tally.Complete && await QueuedAsync() == 0;
            }, timeout, "every accepted event reached every system and the queues are empty");
        }
        catch (TimeoutException)
        {
            await DescribeAsync(accepted);
            throw;
        }

        // A late duplicate would show up now: the tally must stay as it is.
        await Eventually.HoldsAsync(async () => Tally(accepted).Exact && await QueuedAsync() == 0, TimeSpan.FromSeconds(2), "nothing more arrives");
        return Tally(accepted);
    }

    /// <summary>Messages in the fleet's queues, visible, in flight or waiting for a retry.</summary>
    protected async Task<int> QueuedAsync()
    {
        var sum = 0;
        foreach (var queue in Queues)
        {
            sum += await Azurite.MessageCountAsync(queue);
        }

        return sum;
    }

    /// <summary>Messages in the fleet's poison queues.</summary>
    protected async Task<int> PoisonedAsync()
    {
        var sum = 0;
        foreach (var queue in Queues)
        {
            sum += await Azurite.MessageCountAsync(queue + "-poison");
        }

        return sum;
    }

    /// <summary>Writes the figures of a burst to the test output and to TestResults/reliability/.</summary>
    protected async Task ReportAsync(string name, BurstOutcome outcome, FleetTally tally, TimeSpan elapsed, IReadOnlyDictionary<string, object>? extra = null)
    {
        var poisoned = await PoisonedAsync();
        var figures = new Dictionary<string, object>
        {
            ["test"] = name,
            ["sent"] = Plan.Sends.Count,
            ["duplicatesInBurst"] = Plan.Duplicates,
            ["posts"] = outcome.Posts,
            ["answers"] = outcome.Answers.ToDictionary(a => a.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), a => a.Value),
            ["accepted"] = outcome.Accepted,
            ["acceptedEvents"] = outcome.AcceptedIds.Count,
            ["effectsExpected"] = tally.Expected,
            ["effectsDelivered"] = tally.Delivered,
            ["appliedTwice"] = tally.Extra,
            ["lost"] = tally.Lost,
            ["duplicatesSuppressed"] = Log.Duplicates, // counted in this process: a test whose functions run in a worker says so in its extra figures
            ["poisoned"] = poisoned,
            ["elapsedSeconds"] = Math.Round(elapsed.TotalSeconds, 1),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, object>())
        {
            figures[key] = value;
        }

        var json = JsonSerializer.Serialize(figures, Indented);
        Output.WriteLine(json);
        Output.WriteLine(tally.ToString());
        var directory = Path.Combine(RepositoryPaths.Root, "TestResults", "reliability");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".json"), json);
    }

    /// <summary>Writes what is missing where, the queues' depths and the processor's counts, for a test that timed out.</summary>
    protected async Task DescribeAsync(IReadOnlyCollection<string> accepted)
    {
        Output.WriteLine(Tally(accepted).ToString());
        foreach (var queue in Queues)
        {
            Output.WriteLine($"{queue}: {await Azurite.MessageCountAsync(queue)} queued, {await Azurite.MessageCountAsync(queue + "-poison")} poisoned");
        }

        Output.WriteLine("processor: " + string.Join(", ", Log.Counts.Select(c => $"{c.Key}={c.Value}")));
        foreach (var line in Log.Skipped.Take(40))
        {
            Output.WriteLine(line);
        }

        var orders = State.SalesOrders.Select(o => o.ExternalId).ToHashSet(StringComparer.Ordinal);
        var shipments = State.ShipmentConfirmations.Select(c => c.ShipmentId).ToHashSet(StringComparer.Ordinal);
        var movements = State.StockMovements.Select(m => m.IdempotencyKey).ToList();
        foreach (var evt in Plan.Unique.Where(e => accepted.Contains(e.Id)))
        {
            var missing = evt.Kind switch
            {
                "order.status.changed" => !orders.Contains(BurstPlan.OrderId(int.Parse(evt.Id[^4..], System.Globalization.CultureInfo.InvariantCulture))),
                "shipment.status.changed" => !shipments.Contains(BurstPlan.ShipmentId(int.Parse(evt.Id[^4..], System.Globalization.CultureInfo.InvariantCulture))),
                "inventory.received" => !movements.Any(k => k != null && k.Contains(evt.Id, StringComparison.Ordinal)),
                _ => false,
            };
            if (missing)
            {
                Output.WriteLine($"not in the ERP: {evt.Id} ({evt.Kind})");
            }
        }
    }

    private int ShopifyAvailable(string sku)
        => State.ShopifyQuantity(SandboxState.ShopifyShop, Variants[sku].InventoryItemId, SandboxState.ShopifyMainLocationId, "available") ?? 0;
}
