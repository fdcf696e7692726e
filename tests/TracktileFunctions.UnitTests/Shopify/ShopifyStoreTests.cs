using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;
using static TracktileFunctions.UnitTests.Shopify.ShopifyTestSettings;

namespace TracktileFunctions.UnitTests.Shopify;

public sealed class ShopifyStoreTests
{
    private static readonly StoreLocation Main = new(Shop, "gid://shopify/Location/1");

    private static (ShopifyStore Store, StubHandler Handler) Store(Func<JsonElement, HttpResponseMessage> graphql)
    {
        var handler = new StubHandler(r =>
        {
            if (IsToken(r))
            {
                return Token();
            }

            using var body = JsonDocument.Parse(r.Content!.ReadAsStringAsync().GetAwaiter().GetResult());
            return graphql(body.RootElement.Clone());
        });
        var options = Options();
        return (new ShopifyStore(Client(handler, options), new ShopifyInventoryItems(), Microsoft.Extensions.Options.Options.Create(options)), handler);
    }

    private static HttpResponseMessage Variants(params (string Sku, string Item)[] variants)
        => Data("{\"productVariants\":{\"nodes\":[" + string.Join(",", variants.Select(v =>
            "{\"id\":\"gid://shopify/ProductVariant/1\",\"sku\":\"" + v.Sku + "\",\"inventoryItem\":{\"id\":\"" + v.Item + "\"}}"))
            + "],\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":null}}}");

    private static string Operation(JsonElement body) => body.GetProperty("operationName").GetString()!;

    [Fact]
    public void IdempotencyKey_SameInputs_SameUuid_OtherShopOrKey_Different()
    {
        var key = ShopifyStore.IdempotencyKey("shopify-stock/evt_1", Shop);

        Assert.True(Guid.TryParseExact(key, "D", out _));
        Assert.Equal(key, ShopifyStore.IdempotencyKey("shopify-stock/evt_1", Shop));
        Assert.NotEqual(key, ShopifyStore.IdempotencyKey("shopify-stock/evt_2", Shop));
        Assert.NotEqual(key, ShopifyStore.IdempotencyKey("shopify-stock/evt_1", "other.myshopify.com"));
        Assert.Equal('5', key[14]);
    }

    [Fact]
    public async Task AdjustAsync_Change_ExactSkuMatchedDeltaWithNullChangeFromQuantityAndKey()
    {
        JsonElement? sent = null;
        var (store, _) = Store(body => Operation(body) == "VariantsBySku"
            ? Variants(("JAM-250-XL", "gid://shopify/InventoryItem/9"), ("JAM-250", "gid://shopify/InventoryItem/7"))
            : Respond(sent = body, """{"data":{"inventoryAdjustQuantities":{"inventoryAdjustmentGroup":{"id":"gid://shopify/InventoryAdjustmentGroup/1"},"userErrors":[]}}}"""));

        var outcome = await store.AdjustAsync(
            new StoreStockAdjustment([new StoreStockChange("JAM-250", Main, -4)], new Uri("tracktile://lots/LOT-1/events/evt_1"), "shopify-stock/evt_1"), CancellationToken.None);

        var variables = sent!.Value.GetProperty("variables");
        var change = variables.GetProperty("input").GetProperty("changes")[0];
        Assert.Equal("gid://shopify/InventoryItem/7", change.GetProperty("inventoryItemId").GetString());
        Assert.Equal(-4, change.GetProperty("delta").GetInt32());
        Assert.Equal(JsonValueKind.Null, change.GetProperty("changeFromQuantity").ValueKind);
        Assert.Equal("tracktile://lots/LOT-1/events/evt_1", variables.GetProperty("input").GetProperty("referenceDocumentUri").GetString());
        Assert.Equal(ShopifyStore.IdempotencyKey("shopify-stock/evt_1", Shop), variables.GetProperty("key").GetString());
        Assert.Contains("JAM-250 -4", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdjustAsync_SkuNotSoldInTheShop_NothingSent()
    {
        var (store, handler) = Store(body => Variants(("JAM-250-XL", "gid://shopify/InventoryItem/9")));

        var outcome = await store.AdjustAsync(
            new StoreStockAdjustment([new StoreStockChange("JAM-250", Main, 4)], new Uri("tracktile://lots/L/events/e"), "k"), CancellationToken.None);

        Assert.Equal($"nothing moved (JAM-250 is not sold in {Shop})", outcome);
        Assert.DoesNotContain(handler.Requests, r => r.Body!.Contains("AdjustQuantities", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AdjustAsync_SkuLookedUpOnce_ThenCached()
    {
        var (store, handler) = Store(body => Operation(body) == "VariantsBySku"
            ? Variants(("JAM-250", "gid://shopify/InventoryItem/7"))
            : Json("""{"data":{"inventoryAdjustQuantities":{"inventoryAdjustmentGroup":null,"userErrors":[]}}}"""));

        for (var i = 0; i < 3; i++)
        {
            await store.AdjustAsync(new StoreStockAdjustment([new StoreStockChange("JAM-250", Main, 1)], new Uri("tracktile://lots/L/events/e"), $"k{i}"), CancellationToken.None);
        }

        Assert.Single(handler.Requests, r => r.Body!.Contains("VariantsBySku", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetAsync_StaleChangeFromQuantity_FalseNothingThrown()
    {
        var (store, _) = Store(body => Operation(body) == "VariantsBySku"
            ? Variants(("JAM-250", "gid://shopify/InventoryItem/7"))
            : Json("""{"data":{"inventorySetQuantities":{"inventoryAdjustmentGroup":null,"userErrors":[{"code":"CHANGE_FROM_QUANTITY_STALE","field":["input"],"message":"stale"}]}}}"""));

        var set = await store.SetAsync(new StoreStockSet("JAM-250", Main, 10, 7, new Uri("tracktile://stock-repair/1/JAM-250"), "repair"), CancellationToken.None);

        Assert.False(set);
    }

    [Fact]
    public async Task AdjustAsync_PreviousAttemptFailed_NextKeyOfTheChainThenSucceeds_AndARedeliveryWalksTheSameChain()
    {
        var keys = new List<string>();
        var (store, _) = Store(body =>
        {
            if (Operation(body) == "VariantsBySku")
            {
                return Variants(("JAM-250", "gid://shopify/InventoryItem/7"));
            }

            var key = body.GetProperty("variables").GetProperty("key").GetString()!;
            keys.Add(key);
            return key == ShopifyStore.IdempotencyKey("k", Shop)
                ? Json("""{"data":{"inventoryAdjustQuantities":{"inventoryAdjustmentGroup":null,"userErrors":[{"code":"IDEMPOTENCY_PREVIOUS_ATTEMPT_FAILED","field":null,"message":"Retry with a new idempotency key"}]}}}""")
                : Json("""{"data":{"inventoryAdjustQuantities":{"inventoryAdjustmentGroup":{"id":"gid://shopify/InventoryAdjustmentGroup/1"},"userErrors":[]}}}""");
        });
        var adjustment = new StoreStockAdjustment([new StoreStockChange("JAM-250", Main, 1)], new Uri("tracktile://lots/L/events/e"), "k");

        await store.AdjustAsync(adjustment, CancellationToken.None);
        await store.AdjustAsync(adjustment, CancellationToken.None);

        Assert.Equal([ShopifyStore.IdempotencyKey("k", Shop), ShopifyStore.IdempotencyKey("k#1", Shop), ShopifyStore.IdempotencyKey("k", Shop), ShopifyStore.IdempotencyKey("k#1", Shop)], keys);
    }

    [Fact]
    public async Task AdjustAsync_LocationRefused_PermanentAfterOneKey()
    {
        var calls = 0;
        var (store, _) = Store(body => Operation(body) == "VariantsBySku"
            ? Variants(("JAM-250", "gid://shopify/InventoryItem/7"))
            : Respond(calls++, """{"data":{"inventoryAdjustQuantities":{"inventoryAdjustmentGroup":null,"userErrors":[{"code":"INVALID_LOCATION","field":["input","changes","0","locationId"],"message":"The specified location could not be found."}]}}}"""));

        var ex = await Assert.ThrowsAsync<ShopifyApiException>(() => store.AdjustAsync(
            new StoreStockAdjustment([new StoreStockChange("JAM-250", Main, 1)], new Uri("tracktile://lots/L/events/e"), "k"), CancellationToken.None));

        Assert.False(ex.IsTransient);
        Assert.Equal(1, calls);
    }

    private static HttpResponseMessage Respond(object? _, string json) => Json(json);
}
