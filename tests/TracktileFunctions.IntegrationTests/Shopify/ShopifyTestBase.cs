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
public abstract class ShopifyTestBase(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    protected const string Shop = SandboxState.ShopifyShop;
    protected const string Main = SandboxState.ShopifyMainLocationId;
    protected const string Retail = SandboxState.ShopifyRetailLocationId;
    protected const string Receiving = """{"id":"node_rcv","name":"Receiving","type":"stage"}""";
    protected const string Shipping = """{"id":"node_ship","name":"Shipping","type":"container"}""";

    private HttpFunctionHost? _webhook;

    /// <summary>The app's Shopify webhook, as Shopify calls it.</summary>
    protected HttpFunctionHost Webhook => _webhook ?? throw new InvalidOperationException("not started");

    protected Uri WebhookUrl => new(Webhook.BaseAddress, "api/webhooks/shopify");

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

    protected override async Task BeforeAppAsync()
        => _webhook = await HttpFunctionHost.StartAsync("webhooks/shopify",
            (request, ct) => ActivatorUtilities.CreateInstance<ShopifyWebhookFunction>(App).RunAsync(request, ct));

    protected override void ConfigureSandbox(SandboxState state)
    {
        Jam = state.SeedShopifyVariant(Shop, "JAM-250", [new ShopifyStock(Main, 10), new ShopifyStock(Retail, 0)]);
        Honey = state.SeedShopifyVariant(Shop, "HONEY-500", [new ShopifyStock(Main, 4)]);
        state.SeedShopifyVariant(Shop, "JAM-250-GIFT", [new ShopifyStock(Main, 99)]); // Shopify's search finds it for "JAM-250" too
    }

    protected override async Task DisposeMoreAsync()
    {
        if (_webhook is not null)
        {
            await _webhook.DisposeAsync();
        }
    }

    /// <summary>What the product batch would have indexed: Tracktile products and their SKUs.</summary>
    protected async Task IndexProductsAsync()
    {
        var index = App.GetRequiredService<ProductSkuIndex>();
        await index.SetAsync("prod_jam", "JAM-250", CancellationToken.None);
        await index.SetAsync("prod_honey", "HONEY-500", CancellationToken.None);
    }

    protected Task<ShopifySubscriptionReport> SubscribeAsync() => App.GetRequiredService<ShopifySubscriptions>().EnsureAsync(CancellationToken.None);

    protected int Available(ShopifyVariant variant, string location) => State.ShopifyQuantity(Shop, variant.InventoryItemId, location, "available")!.Value;

    protected static string InventoryEvent(string id, string kind, string lot, string product, decimal quantity, string node, string extra = "", int minute = 0)
        => $$"""{"id":"{{id}}","kind":"{{kind}}","time":"2026-12-01T09:{{minute:D2}}:00Z","transactionId":"t","flowId":"f","entity":{"id":"ent_{{lot}}","name":"{{lot}}","productId":"{{product}}","quantity":{{quantity}}},"node":{{node}}{{extra}}}""";
}
