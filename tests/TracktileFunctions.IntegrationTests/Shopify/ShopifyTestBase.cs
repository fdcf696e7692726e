using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Shopify;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Shopify;

/// <summary>
/// The app with a Shopify shop against the sandbox's Shopify (GraphQL checked against Shopify's published schema of
/// the pinned version, cost bucket, idempotency, signed webhooks) and its Tracktile, with this app's Shopify webhook
/// served on a real port so the fake's deliveries reach it.
/// </summary>
public abstract class ShopifyTestBase(AzuriteFixture azurite, ITestOutputHelper output) : ConnectorTestBase(azurite, output, "webhooks/shopify")
{
    protected const string Shop = SandboxState.ShopifyShop;
    protected const string Main = SandboxState.ShopifyMainLocationId;
    protected const string Retail = SandboxState.ShopifyRetailLocationId;
    protected const string Receiving = """{"id":"node_rcv","name":"Receiving","type":"stage"}""";
    protected const string Shipping = """{"id":"node_ship","name":"Shipping","type":"container"}""";

    protected ShopifyVariant Jam { get; private set; } = null!;

    protected ShopifyVariant Honey { get; private set; } = null!;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Shopify:Shops:0:Domain", Shop),
        new("Shopify:ClientId", SandboxState.ShopifyClientId),
        new("Shopify:ClientSecrets:0", SandboxState.ShopifyClientSecret),
        new("Shopify:ShopUrl", Sandbox.ShopifyBaseAddress + "{shop}/"),
        new("Shopify:WebhookUrl", WebhookUrl.ToString()),
        new("Shopify:Orders:DefaultCustomerId", "cus_web"),
        new("Shopify:Orders:Customers:0:Email", "chef@bistro.test"),
        new("Shopify:Orders:Customers:0:CustomerId", "cus_bistro"),
        new("Shopify:Stock:Locations:0:Node", "node_rcv"),
        new("Shopify:Stock:Locations:0:Location", Main),
        new("Shopify:Stock:Locations:1:Node", "node_ship"),
        new("Shopify:Stock:Locations:1:Location", Retail),
        new("Shopify:Resilience:BaseDelaySeconds", "0.05"),
        new("Shopify:Resilience:AttemptTimeoutSeconds", "5"),
        .. MoreSettings,
    ];

    /// <summary>Settings a test class adds.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> MoreSettings => [];

    protected override Task<Microsoft.AspNetCore.Mvc.IActionResult> InvokeWebhookAsync(Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
        => ActivatorUtilities.CreateInstance<ShopifyWebhookFunction>(App).RunAsync(request, cancellationToken);

    protected override void ConfigureSandbox(SandboxState state)
    {
        Jam = state.SeedShopifyVariant(Shop, "JAM-250", [new ShopifyStock(Main, 10), new ShopifyStock(Retail, 0)]);
        Honey = state.SeedShopifyVariant(Shop, "HONEY-500", [new ShopifyStock(Main, 4)]);
        state.SeedShopifyVariant(Shop, "JAM-250-GIFT", [new ShopifyStock(Main, 99)]); // Shopify's search finds it for "JAM-250" too
    }

    protected Task<ShopifySubscriptionReport> SubscribeAsync() => App.GetRequiredService<ShopifySubscriptions>().EnsureAsync(CancellationToken.None);

    protected int Available(ShopifyVariant variant, string location) => State.ShopifyQuantity(Shop, variant.InventoryItemId, location, "available")!.Value;

}
