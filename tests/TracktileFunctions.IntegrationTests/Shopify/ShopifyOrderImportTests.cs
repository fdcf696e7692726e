using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Shopify;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Shopify;

/// <summary>Shopify orders -> Tracktile orders: webhooks from the fake Shopify through this app's real HTTP endpoint, the queue function under the real queue extension.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShopifyOrderImportTests(AzuriteFixture azurite, ITestOutputHelper output) : ShopifyTestBase(azurite, output)
{
    private const string Queue = QueueNames.ShopifyOrders;

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("Processing:RetryBaseDelaySeconds", "1"),
        new("Processing:RetryMaxDelaySeconds", "1"),
        new("Processing:MaxAttempts", "3"),
    ];

    private static ShopifyOrderSeed Order(string? email = "chef@bistro.test", string jamSku = "JAM-250")
        => new([new ShopifyLineItemSeed(jamSku, 3, 4.50m), new ShopifyLineItemSeed("HONEY-500", 1, 12m)], Email: email, Currency: "CAD");

    [Fact]
    public async Task OrderWebhook_DeliveredTenTimes_OneTracktileOrderWithMappedItems()
    {
        await IndexProductsAsync();
        await SubscribeAsync();
        await StartFunctionAsync("ShopifyOrdersFunction");

        var placed = await State.CreateShopifyOrderAsync(Shop, Order());
        var first = Assert.Single(placed.Deliveries);
        for (var i = 0; i < 9; i++)
        {
            // Shopify's retries (same webhook id) and later updates of the same order (new ids, same content).
            var again = await State.SendShopifyWebhookAsync(Shop, i % 2 == 0 ? "orders/create" : "orders/updated", placed.Order, WebhookUrl,
                webhookId: i % 3 == 0 ? first.WebhookId : null);
            Assert.Equal(200, again.StatusCode);
        }

        await DrainedAsync(Queue);
        var created = Assert.Single(State.CreatedOrders);
        Assert.Equal(("SHOP-1001", "cus_bistro", "CAD"), (created.ShortId, created.CustomerId, created.Currency));
        Assert.Equal([("prod_jam", 3m, 4.50m), ("prod_honey", 1m, 12m)], created.OrderItems.Select(i => (i.ProductId, i.Quantity, i.Price)));
        Assert.Equal(DateOnly.FromDateTime(placed.Order.CreatedAt.UtcDateTime), created.DueDate);
        Assert.Single(State.CallsTo("POST", "/tracktile/orders"));
        Assert.True(first.Elapsed < TimeSpan.FromSeconds(5), $"answered in {first.Elapsed.TotalMilliseconds:F0} ms, inside Shopify's 5 s");
    }

    [Fact]
    public async Task OrderWebhook_UnmappedEmail_DefaultCustomer()
    {
        await IndexProductsAsync();
        await SubscribeAsync();
        await StartFunctionAsync("ShopifyOrdersFunction");

        await State.CreateShopifyOrderAsync(Shop, Order(email: "walk-in@example.com"));

        await DrainedAsync(Queue);
        Assert.Equal("cus_web", Assert.Single(State.CreatedOrders).CustomerId);
    }

    [Fact]
    public async Task OrderWebhook_UnknownSku_PoisonNamingItAndNoOrder()
    {
        await IndexProductsAsync();
        await SubscribeAsync();
        await StartFunctionAsync("ShopifyOrdersFunction");

        await State.CreateShopifyOrderAsync(Shop, Order(jamSku: "JAM-250-GIFT"));

        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the order is in poison");
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Contains("SKU JAM-250-GIFT is no Tracktile product", failure.GetString("Reason"), StringComparison.Ordinal);
        Assert.Empty(State.CreatedOrders);
    }

    [Fact]
    public async Task OrderCancelled_AfterImport_TracktileOrderCancelledOnce()
    {
        await IndexProductsAsync();
        await SubscribeAsync();
        await StartFunctionAsync("ShopifyOrdersFunction");
        var placed = await State.CreateShopifyOrderAsync(Shop, Order());
        await DrainedAsync(Queue);

        var cancelled = await State.CancelShopifyOrderAsync(Shop, placed.Order.Id);
        Assert.All(cancelled.Deliveries, d => Assert.Equal(200, d.StatusCode));
        await DrainedAsync(Queue);

        var id = Assert.Single(State.CreatedOrders).Id;
        Assert.Equal("cancelled", State.Orders.Single(o => o.Id == id).Status);
        Assert.Single(State.CallsTo("PATCH", $"/tracktile/orders/{id}"));
    }

    [Fact]
    public async Task OrderCreate_TracktileAnswerLost_FoundByShortIdAndNotCreatedTwice()
    {
        await IndexProductsAsync();
        await SubscribeAsync();
        // Applied, but its answer never comes: the client gives up after 2 s, and a POST is not retried by the HTTP pipeline.
        State.AddFault(FaultRule.LostAnswer("POST", "/tracktile/orders", TimeSpan.FromSeconds(4)));
        await StartFunctionAsync("ShopifyOrdersFunction");

        await State.CreateShopifyOrderAsync(Shop, Order());

        await Eventually.UntilAsync(async () => State.CreatedOrders.Count == 1 && await Azurite.MessageCountAsync(Queue) == 0, TimeSpan.FromSeconds(60), "imported");
        await DrainedAsync(Queue);
        Assert.Equal(1, State.CreatedOrderCount("SHOP-1001"));
        Assert.Single(State.CallsTo("POST", "/tracktile/orders"));
        Assert.NotEmpty(State.CallsTo("GET", "/tracktile/orders")); // the look-up by shortId
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
    }

    [Fact]
    public async Task Import_CreateAnswerLostThenOrderCancelled_FoundByShortIdAndCancelled()
    {
        await IndexProductsAsync();
        var import = App.GetRequiredService<StoreOrderImport>();
        var options = App.GetRequiredService<Microsoft.Extensions.Options.IOptions<ShopifyOptions>>().Value.Orders;
        var order = new StoreOrder("shopify", Shop, "77", "#1077", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(-5), false, "USD", null,
            [new StoreOrderLine("JAM-250", null, 1, 4.5m)]);
        State.AddFault(FaultRule.LostAnswer("POST", "/tracktile/orders", TimeSpan.FromSeconds(4)));

        var lost = await Assert.ThrowsAsync<TracktileFunctions.Tracktile.TracktileApiException>(() => import.ImportAsync(order, options, "SHOP-", "test/1", CancellationToken.None));
        await Eventually.UntilAsync(() => Task.FromResult(State.CreatedOrders.Count == 1), Timeout, "the lost create landed");
        var outcome = await import.ImportAsync(order with { Cancelled = true, UpdatedAt = DateTimeOffset.UtcNow }, options, "SHOP-", "test/2", CancellationToken.None);

        Assert.Equal(0, lost.Status);
        var id = Assert.Single(State.CreatedOrders).Id;
        Assert.Equal($"cancelled Tracktile order {id} (SHOP-1077)", outcome);
        Assert.Equal("cancelled", State.Orders.Single(o => o.Id == id).Status);
    }

    [Fact]
    public async Task Reconciliation_MissedWebhook_ImportedOnceEvenWhenRunTwice()
    {
        await IndexProductsAsync();
        await SubscribeAsync();
        State.SuppressShopifyWebhooks = true; // Shopify says deliveries can be missed
        await State.CreateShopifyOrderAsync(Shop, Order());
        await StartFunctionAsync("ShopifyOrdersFunction");

        var runs = new List<ShopifyReconciliationResult>();
        for (var i = 0; i < 2; i++)
        {
            runs.AddRange(await App.GetRequiredService<ShopifyOrderReconciliation>().RunAsync(CancellationToken.None));
            await DrainedAsync(Queue);
        }

        Assert.Equal(1, runs[0].Queued);
        Assert.Single(State.CreatedOrders);
    }

    [Fact]
    public async Task Subscriptions_RunTwice_CreatedOncePerTopic()
    {
        var first = await SubscribeAsync();
        var second = await SubscribeAsync();

        Assert.Equal(3, first.Created.Count);
        Assert.Empty(second.Created);
        Assert.Equal(3, second.Kept.Count);
        Assert.Equal(["ORDERS_CANCELLED", "ORDERS_CREATE", "ORDERS_UPDATED"],
            State.ShopifyWebhookSubscriptions(Shop).Where(s => s.Uri == WebhookUrl.ToString()).Select(s => s.Topic).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ClientCredentials_TokenExpiredAtShopify_GrantedAgainOnceAndTheCallSucceeds()
    {
        await SubscribeAsync();
        State.ExpireShopifyTokens();

        var report = await SubscribeAsync();

        Assert.Empty(report.Failed);
        Assert.Equal(2, State.ShopifyTokensIssued);
    }

    [Fact]
    public async Task Webhook_BadSignatureOrUnknownShop_401AndNothingQueued()
    {
        var placed = await State.CreateShopifyOrderAsync(Shop, Order());

        var forged = await State.SendShopifyWebhookAsync(Shop, "orders/create", placed.Order, WebhookUrl, secret: "shpss_someone_else");
        var otherShop = await State.SendShopifyWebhookAsync(SandboxState.ShopifySecondShop, "orders/create", placed.Order, WebhookUrl);

        Assert.Equal((401, 401), (forged.StatusCode, otherShop.StatusCode));
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue));
    }
}
