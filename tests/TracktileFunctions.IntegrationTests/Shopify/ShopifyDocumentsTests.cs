using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Shopify;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Shopify;

/// <summary>
/// Every GraphQL document the connector can send, with the variables it really builds, checked against Shopify's
/// published Admin schema of the pinned version (graphql-js, from the schema Shopify ships in @shopify/dev-mcp), plus
/// the two 2026-04 rules the types cannot say (<c>changeFromQuantity</c> present, <c>@idempotent</c> on inventory mutations).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShopifyDocumentsTests(AzuriteFixture azurite, ITestOutputHelper output) : ShopifyTestBase(azurite, output)
{
    private readonly ConcurrentQueue<JsonObject> _sent = new();

    protected override void ConfigureServices(IServiceCollection services)
        => services.AddHttpClient<ShopifyClient>().AddHttpMessageHandler(() => new Capture(_sent));

    [Fact]
    public async Task EveryDocument_AsTheConnectorSendsIt_ValidAgainstThePinnedSchema()
    {
        // Drive every path that talks to Shopify.
        await IndexProductsAsync();
        State.SeedInventoryEntities(new InventoryEntity("ent_a", "LOT-A", "prod_jam", 12, "ea", "node_rcv"));
        await SubscribeAsync();
        State.SuppressShopifyWebhooks = true;
        await State.CreateShopifyOrderAsync(Shop, new ShopifyOrderSeed([new ShopifyLineItemSeed("JAM-250", 1, 4.5m)]));
        await App.GetRequiredService<ShopifyOrderReconciliation>().RunAsync(CancellationToken.None);
        await StartFunctionAsync("ShopifyStockFunction");
        await PostTracktileAsync(InventoryEvent("evt_doc", "inventory.received", "LOT-A", "prod_jam", 2, Receiving));
        await DrainedAsync(QueueNames.ShopifyInventory);
        await App.GetRequiredKeyedService<StoreStockRepair>(ShopifyWebhook.Source).RunAsync(CancellationToken.None);

        var sent = _sent.ToList();
        Assert.Equal(ShopifyDocuments.All.Keys.Order(StringComparer.Ordinal), sent.Select(s => s["operationName"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal));
        foreach (var request in sent)
        {
            var result = await ShopifySchema.Shared.ValidateAsync(ShopifyOptions.DefaultApiVersion, request["query"]!.GetValue<string>(),
                request["variables"] as JsonObject, request["operationName"]!.GetValue<string>());
            Assert.True(result.IsValid, $"{request["operationName"]}: {string.Join("; ", result.Errors.Select(e => $"{e.Code}: {e.Message}"))}");
        }
    }

    [Fact]
    public async Task Validator_AdjustWithoutChangeFromQuantityOrKey_RefusedSoTheCheckCanFail()
    {
        var variables = new JsonObject
        {
            ["input"] = new JsonObject
            {
                ["name"] = "available", ["reason"] = "correction", ["referenceDocumentUri"] = "tracktile://lots/L/events/e",
                ["changes"] = new JsonArray(new JsonObject { ["inventoryItemId"] = "gid://shopify/InventoryItem/1", ["locationId"] = Main, ["delta"] = 1 }),
            },
            ["key"] = "k",
        };
        var withoutKey = ShopifyDocuments.AdjustQuantities.Replace(" @idempotent(key: $key)", "", StringComparison.Ordinal).Replace(", $key: String!", "", StringComparison.Ordinal);

        var missingChange = await ShopifySchema.Shared.ValidateAsync(ShopifyOptions.DefaultApiVersion, ShopifyDocuments.AdjustQuantities, variables, "AdjustQuantities");
        variables.Remove("key");
        var missingKey = await ShopifySchema.Shared.ValidateAsync(ShopifyOptions.DefaultApiVersion, withoutKey, variables, "AdjustQuantities");

        Assert.Contains(missingChange.Errors, e => e.Code == "CHANGE_FROM_QUANTITY_REQUIRED");
        Assert.Contains(missingKey.Errors, e => e.Code == "IDEMPOTENCY_KEY_REQUIRED");
    }

    private sealed class Capture(ConcurrentQueue<JsonObject> sent) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith("/graphql.json", StringComparison.Ordinal) && request.Content is not null)
            {
                sent.Enqueue(JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken))!.AsObject());
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
