using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.ShipHero;
using TracktileFunctions.Store;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.ShipHero;

/// <summary>
/// The app with ShipHero as its warehouse against the sandbox's ShipHero (API user tokens, credits, signed webhooks
/// whose acknowledgement is checked) and its Tracktile, with this app's ShipHero webhook served on a real port.
/// </summary>
public abstract class ShipHeroTestBase(AzuriteFixture azurite, ITestOutputHelper output) : ConnectorTestBase(azurite, output, "webhooks/shiphero")
{
    protected const string Warehouse = SandboxState.ShipHeroWarehouseId;
    protected const string WarehouseNode = """{"id":"node_wh","name":"3PL warehouse","type":"stage"}""";
    protected const string Line = """{"id":"node_line1","name":"Line 1","type":"stage"}""";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ShipHero:BaseUrl", Sandbox.ShipHeroBaseAddress.ToString()),
        new("ShipHero:Username", SandboxState.ShipHeroUsername),
        new("ShipHero:Password", SandboxState.ShipHeroPassword),
        new("ShipHero:ShopName", SandboxState.ShipHeroShopName),
        new("ShipHero:Warehouses:0:Node", "node_wh"),
        new("ShipHero:Warehouses:0:WarehouseId", Warehouse),
        new("ShipHero:WebhookUrl", WebhookUrl.ToString()),
        new("ShipHero:Resilience:BaseDelaySeconds", "0.05"),
        new("ShipHero:Resilience:AttemptTimeoutSeconds", "5"),
        .. MoreSettings,
    ];

    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    protected override Task<Microsoft.AspNetCore.Mvc.IActionResult> InvokeWebhookAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
        => ActivatorUtilities.CreateInstance<ShipHeroWebhookFunction>(App).RunAsync(request, cancellationToken);

    protected override void ConfigureSandbox(SandboxState state)
    {
        state.SeedShipHeroProduct("JAM-250", "Jam 250 g", (Warehouse, 50));
        state.SeedShipHeroProduct("HONEY-500", "Honey 500 g", (Warehouse, 20));
        state.SeedOrders(new TracktileOrder("ord_1", "SO-1", "cus_1", new DateOnly(2026, 12, 10), "USD", "ready",
            [new TracktileOrderItem("prod_jam", 3, 4.5m), new TracktileOrderItem("prod_honey", 1, 12m)],
            new TracktileAddress("Ada Lovelace", "Bistro Ltd", "1 Main St", null, "Springfield", "IL", "62701", "US", "555-0100", "ada@bistro.test")));
        state.SeedShipments(new TracktileShipment("shp_1", "SHP-001", "ord_1", "pending",
            [new TracktileShipmentItem("prod_jam", 3, ["LOT-J1", "LOT-J2"]), new TracktileShipmentItem("prod_honey", 1, [])]));
    }

    protected Task<ShipHeroWebhookReport> RegisterAsync() => App.GetRequiredService<ShipHeroWebhookRegistration>().EnsureAsync(CancellationToken.None);

    protected static string ShipmentAssigned(string id, int minute = 0)
        => $$"""{"id":"{{id}}","kind":"shipment.items.assigned","time":"2026-12-01T10:{{minute:D2}}:00Z","transactionId":"t","shipmentId":"shp_1","shipmentOrderId":"ord_1"}""";

    protected static string ShipmentStatus(string id, string status, int minute = 0)
        => $$"""{"id":"{{id}}","kind":"shipment.status.changed","time":"2026-12-01T10:{{minute:D2}}:00Z","transactionId":"t","shipmentId":"shp_1","shipmentShortId":"SHP-001","previousShipmentStatus":"pending","currentShipmentStatus":"{{status}}"}""";


    /// <summary>The common start: the shipment readied and its ShipHero order made.</summary>
    protected async Task<string> OrderInShipHeroAsync()
    {
        await IndexProductsAsync();
        await StartFunctionAsync("ShipHeroShipmentsFunction");
        await PostTracktileAsync(ShipmentAssigned("evt_assigned"));
        await DrainedAsync(TracktileFunctions.Processing.QueueNames.ShipHeroShipments);
        return Assert.Single(State.ShipHeroOrders).Id;
    }
}
