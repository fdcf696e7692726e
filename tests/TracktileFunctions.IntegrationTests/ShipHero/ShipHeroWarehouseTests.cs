using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.ShipHero;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Secrets;
using TracktileFunctions.ShipHero;
using TracktileFunctions.Warehouse;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.ShipHero;

/// <summary>Tracktile <-> ShipHero through the real queue extension, Azurite and the sandbox's ShipHero.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShipHeroWarehouseTests(AzuriteFixture azurite, ITestOutputHelper output) : ShipHeroTestBase(azurite, output)
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("Processing:RetryBaseDelaySeconds", "1"),
        new("Processing:RetryMaxDelaySeconds", "1"),
        new("Processing:MaxAttempts", "5"),
        new("ShipHero:Orders:SettleSeconds", "7"), // longer than a create's 5 s timeout and the next attempt, shorter than the attempts left
    ];

    [Fact]
    public async Task ShipmentReady_DeliveredTenTimes_OneShipHeroOrderWithLinesLotsAndShipTo()
    {
        await IndexProductsAsync();
        await StartFunctionAsync("ShipHeroShipmentsFunction");

        for (var i = 0; i < 5; i++)
        {
            await PostTracktileAsync(ShipmentAssigned("evt_assigned"));
            await PostTracktileAsync(ShipmentStatus($"evt_picking_{i}", "picking", minute: i + 1));
        }

        await DrainedAsync(QueueNames.ShipHeroShipments);
        var order = Assert.Single(State.ShipHeroOrders);
        Assert.Equal(("shp_1", "SHP-001", SandboxState.ShipHeroShopName), (order.PartnerOrderId, order.OrderNumber, order.ShopName));
        Assert.Equal([("JAM-250", 3), ("HONEY-500", 1)], order.LineItems.Select(l => (l.Sku, l.Quantity)));
        Assert.Equal(("1 Main St", "Springfield", "62701"), (order.ShippingAddress.Address1, order.ShippingAddress.City, order.ShippingAddress.Zip));
        Assert.Single(State.ShipHeroOrdersWithPartnerId("shp_1"));
    }

    [Fact]
    public async Task ShipmentReady_OrderCreateTimedOutWithoutEffect_SentAgainOnceSettledAndMadeOnce()
    {
        await IndexProductsAsync();
        // The second call is the order_create: it times out and makes nothing. The attempts that follow find no order;
        // they must wait the settle time counted from that send, not from their own look-ups, then send it again.
        State.AddFault(FaultRule.Timeout("POST", "/shiphero/graphql", TimeSpan.FromSeconds(7)) with { After = 1 });
        await StartFunctionAsync("ShipHeroShipmentsFunction");

        await PostTracktileAsync(ShipmentAssigned("evt_assigned"));

        await Eventually.UntilAsync(async () => State.ShipHeroOrders.Count == 1 && await Azurite.MessageCountAsync(QueueNames.ShipHeroShipments) == 0,
            TimeSpan.FromSeconds(60), "the order is made and the event is done");
        await DrainedAsync(QueueNames.ShipHeroShipments);
        Assert.Single(State.ShipHeroOrdersWithPartnerId("shp_1"));
        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.ShipHeroShipments + "-poison"));
    }

    [Fact]
    public async Task ShipmentReady_OrderCreateAnswerLost_FoundByPartnerIdAndNotMadeTwice()
    {
        await IndexProductsAsync();
        // The second call is the order_create (the first is the look-up): applied, its answer never comes.
        State.AddFault(FaultRule.LostAnswer("POST", "/shiphero/graphql", TimeSpan.FromSeconds(7)) with { After = 1 });
        await StartFunctionAsync("ShipHeroShipmentsFunction");

        await PostTracktileAsync(ShipmentAssigned("evt_assigned"));

        await Eventually.UntilAsync(async () => State.ShipHeroOrders.Count == 1 && await Azurite.MessageCountAsync(QueueNames.ShipHeroShipments) == 0,
            TimeSpan.FromSeconds(60), "the order exists and the event is done");
        await DrainedAsync(QueueNames.ShipHeroShipments);
        Assert.Single(State.ShipHeroOrdersWithPartnerId("shp_1"));
        Assert.DoesNotContain(await FailuresAsync(QueueNames.ShipHeroShipments), f => f.GetBoolean("Poisoned") == true);
    }

    [Fact]
    public async Task ShipmentUpdate_WebhookAndReconciliationBothBringIt_AppliedOnce()
    {
        var orderId = await OrderInShipHeroAsync();
        await RegisterAsync();
        await StartFunctionAsync("ShipHeroEventsFunction");

        await State.ShipShipHeroOrderAsync(orderId, [new ShipHeroShipLine("JAM-250", 3, "LOT-J1"), new ShipHeroShipLine("HONEY-500", 1)]);
        await DrainedAsync(QueueNames.ShipHeroEvents);
        var found = await App.GetRequiredService<ShipHeroReconciliation>().RunAsync(CancellationToken.None);
        await DrainedAsync(QueueNames.ShipHeroEvents);

        Assert.Equal(1, found);
        Assert.Single(State.ShipmentPatches);
    }

    [Fact]
    public async Task ShipmentUpdate_ForAnOrderThisAppDidNotSend_SkippedNotPoisoned()
    {
        await RegisterAsync();
        await StartFunctionAsync("ShipHeroEventsFunction");
        var body = new JsonObject
        {
            ["webhook_type"] = "Shipment Update",
            ["fulfillment"] = new JsonObject { ["shipment_id"] = 987, ["partner_order_id"] = "gid://shopify/Order/1", ["line_items"] = new JsonArray() },
        };

        var sent = await State.SendShipHeroWebhookAsync("Shipment Update", body, WebhookUrl);

        await DrainedAsync(QueueNames.ShipHeroEvents);
        Assert.True(sent.Acknowledged);
        Assert.Empty(State.ShipmentPatches);
        Assert.Empty(await FailuresAsync(QueueNames.ShipHeroEvents));
    }

    [Fact]
    public async Task ShipmentCancelled_AfterTheOrderWasMade_OrderCancelledInShipHero()
    {
        await OrderInShipHeroAsync();

        await PostTracktileAsync(ShipmentStatus("evt_cancel", "cancelled", minute: 5));
        await PostTracktileAsync(ShipmentStatus("evt_cancel_again", "cancelled", minute: 6));

        await DrainedAsync(QueueNames.ShipHeroShipments);
        Assert.Equal("canceled", Assert.Single(State.ShipHeroOrders).FulfillmentStatus);
    }

    [Fact]
    public async Task ShipmentUpdate_WebhookThenRedelivered_TracktileShipmentInTransitOnceWithTrackingAndLots()
    {
        var orderId = await OrderInShipHeroAsync();
        var registered = await RegisterAsync();
        await StartFunctionAsync("ShipHeroEventsFunction");

        var shipped = await State.ShipShipHeroOrderAsync(orderId, [new ShipHeroShipLine("JAM-250", 3, "LOT-J1"), new ShipHeroShipLine("HONEY-500", 1)], "UPS", "1Z999AA10123456784");
        var delivery = shipped.Deliveries.First(d => d.WebhookName == "Shipment Update");
        var again = await State.SendShipHeroWebhookAsync("Shipment Update", JsonNode.Parse(delivery.Body)!.AsObject(), WebhookUrl, messageId: delivery.MessageId);
        var fresh = await State.SendShipHeroWebhookAsync("Shipment Update", JsonNode.Parse(delivery.Body)!.AsObject(), WebhookUrl);
        await DrainedAsync(QueueNames.ShipHeroEvents);

        Assert.Equal(["Inventory Update", "Shipment Update"], registered.Created.Order(StringComparer.Ordinal));
        Assert.True(delivery.Acknowledged, $"ShipHero took {delivery.ResponseBody} as the acknowledgement");
        Assert.Equal("""{"code":"200","Status":"Success"}""", again.Body);
        Assert.True(again.Acknowledged && fresh.Acknowledged);
        var patch = Assert.Single(State.ShipmentPatches);
        Assert.Equal("shp_1", patch.ShipmentId);
        Assert.Equal(("in_transit", "UPS", "1Z999AA10123456784"),
            (patch.Body.GetProperty("status").GetString(), patch.Body.GetProperty("carrier").GetString(), patch.Body.GetProperty("trackingNumber").GetString()));
        var lot = Assert.Single(patch.Body.GetProperty("shippedLots").EnumerateArray());
        Assert.Equal(("prod_jam", "LOT-J1", 3m), (lot.GetProperty("productId").GetString(), lot.GetProperty("lotCode").GetString(), lot.GetProperty("quantity").GetDecimal()));
    }

    [Fact]
    public async Task Reconciliation_MissedShipmentUpdate_AppliedOnceEvenWhenRunTwice()
    {
        var orderId = await OrderInShipHeroAsync();
        State.SuppressShipHeroWebhooks = true;
        await State.ShipShipHeroOrderAsync(orderId, [new ShipHeroShipLine("JAM-250", 3, "LOT-J1"), new ShipHeroShipLine("HONEY-500", 1)]);
        await StartFunctionAsync("ShipHeroEventsFunction");

        var first = await App.GetRequiredService<ShipHeroReconciliation>().RunAsync(CancellationToken.None);
        await DrainedAsync(QueueNames.ShipHeroEvents);
        await App.GetRequiredService<ShipHeroReconciliation>().RunAsync(CancellationToken.None);
        await DrainedAsync(QueueNames.ShipHeroEvents);

        Assert.Equal(1, first);
        Assert.Equal("in_transit", Assert.Single(State.ShipmentPatches).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Webhook_BadSignature_401AndNothingQueued()
    {
        await RegisterAsync();
        var body = new JsonObject { ["webhook_type"] = "Shipment Update", ["fulfillment"] = new JsonObject { ["shipment_id"] = 1 } };

        var forged = await State.SendShipHeroWebhookAsync("Shipment Update", body, WebhookUrl, secret: "not-the-shared-secret");

        Assert.Equal(401, forged.StatusCode);
        Assert.False(forged.Acknowledged);
        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.ShipHeroEvents));
    }

    [Fact]
    public async Task Registration_RunTwice_CreatedOnceAndTheSecretStoredNotReturned()
    {
        var first = await RegisterAsync();
        var second = await RegisterAsync();

        Assert.Equal(2, first.Created.Count);
        Assert.Empty(second.Created);
        Assert.Equal(2, second.Kept.Count);
        var stored = await App.GetRequiredService<ISecretStore>().GetAsync(ShipHeroWebhookSecrets.SecretName("Shipment Update"), CancellationToken.None);
        Assert.Equal(State.ShipHeroWebhooks.Single(w => w.Name == "Shipment Update").SharedSignatureSecret, stored);
        Assert.DoesNotContain(stored!, JsonSerializer.Serialize(first), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StockEvents_AddedRemovedMovedOutEachTwice_OnHandMovesOnceEach()
    {
        await IndexProductsAsync();
        await StartFunctionAsync("ShipHeroStockFunction");
        string[] events =
        [
            InventoryEvent("evt_r", "inventory.received", "LOT-1", "prod_jam", 5, WarehouseNode, minute: 1),
            InventoryEvent("evt_d", "inventory.destroyed", "LOT-1", "prod_jam", 2, WarehouseNode, minute: 2),
            InventoryEvent("evt_m", "inventory.moved", "LOT-1", "prod_jam", 1, Line, ""","fromNode":{"id":"node_wh","name":"3PL","type":"stage"}""", minute: 3),
            InventoryEvent("evt_l", "inventory.produced", "LOT-2", "prod_jam", 9, Line, minute: 4), // not a node ShipHero runs
        ];

        foreach (var json in events.Concat(events))
        {
            await PostTracktileAsync(json);
        }

        await DrainedAsync(QueueNames.ShipHeroInventory);
        Assert.Equal(50 + 5 - 2 - 1, State.ShipHeroOnHand("JAM-250", Warehouse));
        Assert.Equal(3, State.ShipHeroInventoryChanges.Count(c => c.Reason?.Contains("[tracktile:", StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task StockEvent_AnswerLostButApplied_FoundInTheHistoryAndNotAddedTwice()
    {
        await IndexProductsAsync();
        // The second call is the inventory_add (the first looks the change up in the history): applied, its answer never comes.
        State.AddFault(FaultRule.LostAnswer("POST", "/shiphero/graphql", TimeSpan.FromSeconds(7)) with { After = 1 });
        await StartFunctionAsync("ShipHeroStockFunction");

        await PostTracktileAsync(InventoryEvent("evt_lost", "inventory.received", "LOT-9", "prod_honey", 4, WarehouseNode));

        await Eventually.UntilAsync(async () => State.ShipHeroOnHand("HONEY-500", Warehouse) == 24 && await Azurite.MessageCountAsync(QueueNames.ShipHeroInventory) == 0,
            TimeSpan.FromSeconds(60), "applied and done");
        await DrainedAsync(QueueNames.ShipHeroInventory);
        Assert.Equal(24, State.ShipHeroOnHand("HONEY-500", Warehouse));
        Assert.DoesNotContain(await FailuresAsync(QueueNames.ShipHeroInventory), f => f.GetBoolean("Poisoned") == true);
    }

    [Fact]
    public async Task StockEvents_ThrottledBurst_EverythingAppliedNothingLost()
    {
        await IndexProductsAsync();
        State.ShipHeroMaxCredits = 110; // just holds a history look-up (priced at about 100 credits, charged for what it returns), refilled slowly
        State.ShipHeroCreditRestoreRate = 20;
        await StartFunctionAsync("ShipHeroStockFunction");

        for (var i = 0; i < 15; i++)
        {
            await PostTracktileAsync(InventoryEvent($"evt_b{i}", "inventory.received", $"LOT-B{i}", "prod_jam", 1, WarehouseNode));
        }

        await Eventually.UntilAsync(() => Task.FromResult(State.ShipHeroOnHand("JAM-250", Warehouse) == 65), TimeSpan.FromSeconds(90), "15 added");
        await DrainedAsync(QueueNames.ShipHeroInventory);
        Output.WriteLine($"throttled answers: {State.ShipHeroThrottledCount}");
        Assert.True(State.ShipHeroThrottledCount > 0, "the burst was throttled at least once");
        Assert.Empty(await FailuresAsync(QueueNames.ShipHeroInventory));
    }

    [Fact]
    public async Task InventoryUpdate_WarehouseDiffersFromTracktile_RecordedNotOverwritten()
    {
        await IndexProductsAsync();
        await RegisterAsync();
        State.SeedInventoryEntities(new InventoryEntity("ent_a", "LOT-A", "prod_jam", 40, "ea", "node_wh"), new InventoryEntity("ent_b", "LOT-B", "prod_jam", 5, "ea", "node_wh"));
        await StartFunctionAsync("ShipHeroEventsFunction");

        await State.SetShipHeroInventoryAsync("JAM-250", Warehouse, 42);
        await DrainedAsync(QueueNames.ShipHeroEvents);

        var difference = Assert.Single(await App.GetRequiredService<StockDifferences>().ListAsync("shiphero", CancellationToken.None));
        Assert.Equal(("JAM-250", 42d, 45d), (difference.GetString("Sku"), difference.GetDouble("Wms"), difference.GetDouble("Tracktile")));
        Assert.Equal(42, State.ShipHeroOnHand("JAM-250", Warehouse));
        Assert.Empty(State.ShipmentPatches);
    }

    [Fact]
    public async Task Tokens_KeptAcrossARestartAndRefreshedWhenShipHeroRefusesThem()
    {
        await RegisterAsync();
        var restarted = new ShipHeroTokens(App.GetRequiredService<ISecretStore>(), App.GetRequiredService<Microsoft.Extensions.Options.IOptions<ShipHeroOptions>>(), TimeProvider.System);
        using var http = new HttpClient { BaseAddress = Sandbox.ShipHeroBaseAddress };

        var token = await restarted.GetAsync(http, null, CancellationToken.None);
        State.ExpireShipHeroAccessTokens();
        var renewed = await restarted.GetAsync(http, token, CancellationToken.None);

        Assert.Equal(1, State.ShipHeroTokensIssued); // the restart signed in with what was stored, not the password
        Assert.Equal(1, State.ShipHeroRefreshes);
        Assert.NotEqual(token, renewed);
        restarted.Dispose();
    }
}
