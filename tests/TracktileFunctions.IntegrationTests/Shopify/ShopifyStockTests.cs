using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Shopify;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;
using TracktileFunctions.Sync;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Shopify;

/// <summary>Tracktile's lot events -> Shopify's stock, the drift repair and the SKU index, against the fake Shopify.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShopifyStockTests(AzuriteFixture azurite, ITestOutputHelper output) : ShopifyTestBase(azurite, output)
{
    private const string Queue = QueueNames.ShopifyInventory;

    [Fact]
    public async Task LotEvents_ReceivedProducedMovedDestroyedEachTwice_AvailableMovesByExactlyThoseAmounts()
    {
        await IndexProductsAsync();
        await StartFunctionAsync("ShopifyStockFunction");
        string[] events =
        [
            InventoryEvent("evt_r", "inventory.received", "LOT-1", "prod_jam", 5, Receiving, minute: 1),
            InventoryEvent("evt_p", "inventory.produced", "LOT-2", "prod_jam", 3, Receiving, minute: 2),
            InventoryEvent("evt_m", "inventory.moved", "LOT-1", "prod_jam", 4, Shipping, ""","fromNode":{"id":"node_rcv","name":"Receiving","type":"stage"}""", minute: 3),
            InventoryEvent("evt_d", "inventory.destroyed", "LOT-1", "prod_jam", 1, Shipping, minute: 4),
        ];

        foreach (var json in events.Concat(events))
        {
            await PostTracktileAsync(json);
        }

        await DrainedAsync(Queue);
        Assert.Equal((10 + 5 + 3 - 4, 0 + 4 - 1), (Available(Jam, Main), Available(Jam, Retail)));
        Assert.Equal(4, State.ShopifyAdjustments.Count);
        Assert.All(State.ShopifyAdjustments, a => Assert.StartsWith("tracktile://lots/LOT-", a.ReferenceDocumentUri, StringComparison.Ordinal));
        Assert.Equal(99, State.ShopifyQuantity(Shop, State.ShopifyVariants(Shop).Single(v => v.Sku == "JAM-250-GIFT").InventoryItemId, Main, "available"));
    }

    [Fact]
    public async Task StockConsumer_SameEventTwicePastTheLedger_ShopifyReplaysTheFirstAnswerAndAppliesOnce()
    {
        await IndexProductsAsync();
        var consumer = App.GetRequiredKeyedService<StoreStockConsumer>(ShopifyWebhook.Source);
        using var payload = JsonDocument.Parse(InventoryEvent("evt_twice", "inventory.received", "LOT-9", "prod_honey", 6, Receiving));
        var evt = new WebhookEventReceived("tracktile", "evt_twice", "inventory.received", null, DateTimeOffset.UtcNow, payload.RootElement);

        var first = await consumer.HandleAsync(evt, CancellationToken.None);
        var second = await consumer.HandleAsync(evt, CancellationToken.None); // as if the ledger had lost its record

        Assert.Equal(first, second);
        Assert.Equal(4 + 6, Available(Honey, Main));
        Assert.Single(State.ShopifyAdjustments);
    }

    [Fact]
    public async Task LotEvents_UnmappedNodeOrUnsoldSku_SkippedAndNothingChanged()
    {
        await IndexProductsAsync();
        await App.GetRequiredService<ProductSkuIndex>().SetAsync("prod_flour", "FLOUR-25", CancellationToken.None); // not sold online
        await StartFunctionAsync("ShopifyStockFunction");

        await PostTracktileAsync(InventoryEvent("evt_line", "inventory.produced", "LOT-3", "prod_jam", 7, """{"id":"node_line1","name":"Line 1","type":"stage"}"""));
        await PostTracktileAsync(InventoryEvent("evt_flour", "inventory.received", "LOT-4", "prod_flour", 7, Receiving));

        await DrainedAsync(Queue);
        Assert.Equal(10, Available(Jam, Main));
        Assert.Empty(State.ShopifyAdjustments);
        Assert.Empty(await FailuresAsync(Queue));
    }

    [Fact]
    public async Task LotEvents_ThrottledBurst_EverythingAppliedNothingLost()
    {
        await IndexProductsAsync();
        State.ShopifyMaximumAvailable = 150; // a bucket that holds the SKU look-up (cost 102) and a few adjustments (13 each), refilled slowly
        State.ShopifyRestoreRate = 40;
        await StartFunctionAsync("ShopifyStockFunction");

        for (var i = 0; i < 20; i++)
        {
            await PostTracktileAsync(InventoryEvent($"evt_b{i}", "inventory.received", $"LOT-B{i}", "prod_jam", 1, Receiving));
        }

        await Eventually.UntilAsync(() => Task.FromResult(State.ShopifyAdjustments.Count == 20), TimeSpan.FromSeconds(90), "20 adjustments applied");
        await DrainedAsync(Queue);
        Output.WriteLine($"throttled answers: {State.ShopifyThrottledCount}, GraphQL requests: {State.ShopifyGraphqlRequests}");
        Assert.True(State.ShopifyThrottledCount > 0, "the burst was throttled at least once");
        Assert.Equal(10 + 20, Available(Jam, Main));
        Assert.Empty(await FailuresAsync(Queue));
    }

    [Fact]
    public async Task DriftRepair_TracktileTotalDiffers_SetByCompareAndSetThenNothingLeft()
    {
        await IndexProductsAsync();
        State.SeedInventoryEntities(
            new InventoryEntity("ent_a", "LOT-A", "prod_jam", 9, "ea", "node_rcv"),
            new InventoryEntity("ent_b", "LOT-B", "prod_jam", 5, "ea", "node_rcv"),
            new InventoryEntity("ent_c", "LOT-C", "prod_jam", 2, "ea", "node_ship"),
            new InventoryEntity("ent_d", "LOT-D", "prod_honey", 4, "ea", "node_rcv"));
        var repair = App.GetRequiredKeyedService<StoreStockRepair>(ShopifyWebhook.Source);

        var first = await repair.RunAsync(CancellationToken.None);
        var second = await repair.RunAsync(CancellationToken.None);

        Assert.Null(first.Skipped);
        Assert.Equal([("JAM-250", Main, 10, 14, "set"), ("JAM-250", Retail, 0, 2, "set")],
            first.Differences.Select(d => (d.Sku, d.Location, d.Store, d.Tracktile, d.Outcome)).Order());
        Assert.Equal((14, 2), (State.ShopifyQuantity(Shop, Jam.InventoryItemId, Main, "on_hand"), State.ShopifyQuantity(Shop, Jam.InventoryItemId, Retail, "on_hand")));
        Assert.Empty(second.Differences);
        Assert.Equal(3, second.Checked);
    }

    [Fact]
    public async Task DriftRepair_ThenAMovementFromBeforeItArrives_SkippedAsCountedAndALaterOneApplied()
    {
        await IndexProductsAsync();
        // LOT-A was received (5) before the repair; its event is still on its way when the repair reads the totals.
        State.SeedInventoryEntities(new InventoryEntity("ent_a", "LOT-A", "prod_jam", 15, "ea", "node_rcv"));
        var repair = await App.GetRequiredKeyedService<StoreStockRepair>(ShopifyWebhook.Source).RunAsync(CancellationToken.None);
        await StartFunctionAsync("ShopifyStockFunction");

        await PostTracktileAsync(InventoryEvent("evt_before", "inventory.received", "LOT-A", "prod_jam", 5, Receiving, minute: 0).Replace("2026-12-01T09:00:00Z", DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), StringComparison.Ordinal));
        await PostTracktileAsync(InventoryEvent("evt_after", "inventory.received", "LOT-B", "prod_jam", 2, Receiving).Replace("2026-12-01T09:00:00Z", DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"), StringComparison.Ordinal));
        await DrainedAsync(Queue);

        Assert.Equal(("JAM-250", Main, 10, 15, "set"), repair.Differences.Select(d => (d.Sku, d.Location, d.Store, d.Tracktile, d.Outcome)).Single(d => d.Sku == "JAM-250" && d.Location == Main));
        Assert.Equal(15 + 2, State.ShopifyQuantity(Shop, Jam.InventoryItemId, Main, "on_hand"));
    }

    [Fact]
    public async Task DriftRepair_OneSkuFails_ReportedAndTheOthersStillRepaired()
    {
        await IndexProductsAsync();
        State.SeedShopifyVariant(Shop, "HONEY-500", [new ShopifyStock(Main, 1)]); // a second variant with the SKU: stock cannot be matched to one
        State.SeedInventoryEntities(new InventoryEntity("ent_a", "LOT-A", "prod_jam", 12, "ea", "node_rcv"));

        var report = await App.GetRequiredKeyedService<StoreStockRepair>(ShopifyWebhook.Source).RunAsync(CancellationToken.None);

        Assert.Contains(report.Failed, f => f.StartsWith("HONEY-500", StringComparison.Ordinal));
        Assert.Contains(report.Differences, d => d.Sku == "JAM-250" && d.Location == Main && d.Outcome == "set");
    }

    [Fact]
    public async Task LotEvents_ProductWithoutSku_SkippedNotPoisoned()
    {
        await App.GetRequiredService<ProductSkuIndex>().SetAsync("prod_salt", null, CancellationToken.None); // known to Tracktile, sold nowhere
        await StartFunctionAsync("ShopifyStockFunction");

        await PostTracktileAsync(InventoryEvent("evt_salt", "inventory.received", "LOT-S", "prod_salt", 2.5m, Receiving));

        await DrainedAsync(Queue);
        Assert.Empty(State.ShopifyAdjustments);
        Assert.Empty(await FailuresAsync(Queue));
    }

    [Fact]
    public async Task SkuIndex_SkuMovesToAnotherProductThenChanges_EachSkuNamesOneProduct()
    {
        var index = App.GetRequiredService<ProductSkuIndex>();

        await index.SetAsync("prod_old", "JAM-250", CancellationToken.None);
        await index.SetAsync("prod_new", "JAM-250", CancellationToken.None);
        await index.SetAsync("prod_new", "JAM-250-V2", CancellationToken.None);

        Assert.Null(await index.SkuOfAsync("prod_old", CancellationToken.None));
        Assert.Null(await index.ProductOfAsync("JAM-250", CancellationToken.None));
        Assert.Equal("prod_new", await index.ProductOfAsync("JAM-250-V2", CancellationToken.None));
        Assert.Equal([("JAM-250-V2", "prod_new")], await index.AllAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ProductBatch_ProductsWithSkus_FillTheIndexTheStoreMatchesBy()
    {
        State.SeedProducts(
            new TracktileProduct("prod_jam", "JAM-250", "Jam 250 g", "ea", true, new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero)),
            new TracktileProduct("prod_honey", "HONEY-500", "Honey 500 g", "ea", true, new DateTimeOffset(2026, 12, 1, 8, 1, 0, TimeSpan.Zero)));
        await StartFunctionAsync("StoreProductsFunction");

        await App.GetRequiredService<ProductSyncService>().RunAsync(null, "test", CancellationToken.None);

        await DrainedAsync(QueueNames.StoreProducts);
        var index = App.GetRequiredService<ProductSkuIndex>();
        Assert.Equal(("prod_jam", "HONEY-500"), (await index.ProductOfAsync("JAM-250", CancellationToken.None), await index.SkuOfAsync("prod_honey", CancellationToken.None)));
        Assert.Equal(ProductShards.Pages(["prod_jam", "prod_honey"], 100), await Azurite.MessageCountAsync(QueueNames.TracktileProducts)); // the ERP's copies of the pages, untouched
    }
}
