using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sync;
using TracktileFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>Tracktile -> Business Central end to end: the queue functions under the real queue extension, Azurite, the fake BC.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralErpTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    private static string ShipmentEvent(string id, string shipmentId, string status)
        => $$"""{"id":"{{id}}","kind":"shipment.status.changed","time":"{{T0.AddHours(2):O}}","transactionId":"t","shipmentId":"{{shipmentId}}","shipmentShortId":"SHP-1","previousShipmentStatus":"packed","currentShipmentStatus":"{{status}}"}""";

    private static string ItemsAssigned(string id, string shipmentId, string orderId)
        => $$"""{"id":"{{id}}","kind":"shipment.items.assigned","time":"{{T0.AddHours(1):O}}","transactionId":"t","shipmentId":"{{shipmentId}}","shipmentOrderId":"{{orderId}}"}""";

    private async Task<Azure.Data.Tables.TableEntity> PoisonedAsync(string queue)
    {
        await Eventually.UntilAsync(async () => (await FailuresAsync(queue)).Any(f => f.GetBoolean("Poisoned") == true), Timeout, $"{queue}: an event is poisoned");
        return Assert.Single(await FailuresAsync(queue));
    }

    [Fact]
    public async Task OrderEvent_TenDeliveries_OneSalesOrderWithItsLinesInOnePost()
    {
        SeedOrder("ord_1");
        await LinkProductsAsync();
        await StartFunctionAsync("OrderEventsFunction");

        for (var i = 0; i < 10; i++)
        {
            await PostTracktileAsync(OrderEvent("evt_1", "ord_1", "ready", T0));
        }

        await DrainedAsync(QueueNames.TracktileOrders);
        var order = Assert.Single(State.BcSalesOrders);
        Assert.Equal("ORD_1", order.ExternalDocumentNumber); // a Code[35]: Business Central upper-cases it
        Assert.Equal(CustomerNumber, order.CustomerNumber);
        Assert.Equal([("FLOUR-25", 2m, 9.5m), ("SUGAR-10", 1m, 4m)], order.Lines.Select(l => (l.LineObjectNumber, l.Quantity, l.UnitPrice)));
        Assert.Equal(1, CallsTo("POST", "salesOrders"));
        Assert.Empty(await FailuresAsync(QueueNames.TracktileOrders));
    }

    [Fact]
    public async Task OrderEvents_SameOrderAfterStateLoss_FoundByExternalDocumentNumberNotMadeAgain()
    {
        await CreateOrderInBusinessCentralAsync(T0);

        // The app's own record of the order is lost (a new storage account): Business Central's lookup still finds it.
        await new Azure.Data.Tables.TableClient(Azurite.ConnectionString, SyncStateStore.TableName).DeleteEntityAsync(ErpOrderConsumer.Scope, "ord_1");
        await PostTracktileAsync(OrderEvent("evt_2", "ord_1", "inProgress", T0.AddMinutes(1), previous: "ready"));
        await DrainedAsync(QueueNames.TracktileOrders);

        Assert.Single(State.BcSalesOrders);
        Assert.Equal(1, CallsTo("POST", "salesOrders"));
    }

    [Fact]
    public async Task OrderEvent_ProductNeverSynced_WaitsThenPoisonsNamingTheProduct()
    {
        SeedOrder("ord_1");
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_1", "ord_1", "ready", T0));

        var failure = await PoisonedAsync(QueueNames.TracktileOrders);
        Assert.Contains("prod_1", failure.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(5, failure.GetInt64("Attempt")); // waited through every attempt (MaxAttempts 5 here): the product batch may still create it
        Assert.Empty(State.BcSalesOrders);
    }

    [Fact]
    public async Task OrderCancelled_OrderInBusinessCentral_Deleted()
    {
        await CreateOrderInBusinessCentralAsync(T0);

        await PostTracktileAsync(OrderEvent("evt_2", "ord_1", "cancelled", T0.AddMinutes(1), previous: "ready"));
        await DrainedAsync(QueueNames.TracktileOrders);

        Assert.Empty(State.BcSalesOrders);
        Assert.Equal(1, CallsTo("DELETE", "salesOrders("));
    }

    [Fact]
    public async Task ShipmentInTransit_DeliveredTwiceAndRepeated_ShipAndInvoiceOnce()
    {
        await CreateOrderInBusinessCentralAsync(T0);
        await StartFunctionAsync("ShipmentEventsFunction");

        await PostTracktileAsync(ItemsAssigned("evt_s1", "shp_1", "ord_1"));
        await DrainedAsync(QueueNames.TracktileShipments);
        await PostTracktileAsync(ShipmentEvent("evt_s2", "shp_1", "in_transit"));
        await PostTracktileAsync(ShipmentEvent("evt_s2", "shp_1", "in_transit"));
        await DrainedAsync(QueueNames.TracktileShipments);
        await PostTracktileAsync(ShipmentEvent("evt_s3", "shp_1", "in_transit")); // a second event, same status
        await DrainedAsync(QueueNames.TracktileShipments);

        var shipment = Assert.Single(State.BcShipments);
        Assert.Equal("ORD_1", shipment.ExternalDocumentNumber);
        Assert.Single(State.BcInvoices);
        Assert.Empty(State.BcSalesOrders); // BC deletes a shipped and invoiced order
        Assert.Single(State.CallsTo("POST", BcPath + "/salesOrders("), c => c.Path.EndsWith("/Microsoft.NAV.shipAndInvoice", StringComparison.Ordinal));
        Assert.Empty(await FailuresAsync(QueueNames.TracktileShipments));
    }

    [Fact]
    public async Task RateLimitStorm_Burst_EveryOrderCreatedOnceNothingLost()
    {
        var orders = Enumerable.Range(1, 8).Select(i => $"ord_{i}").ToArray();
        foreach (var id in orders)
        {
            SeedOrder(id);
        }

        await LinkProductsAsync();
        State.AddFault(FaultRule.RateLimit("*", "/bc/", TimeSpan.Zero, times: 40) with { After = 2 });
        await StartFunctionAsync("OrderEventsFunction");

        await Task.WhenAll(orders.Select((id, i) => PostTracktileAsync(OrderEvent($"evt_{i}", id, "ready", T0))));

        await DrainedAsync(QueueNames.TracktileOrders);
        Assert.Equal(orders.Select(o => o.ToUpperInvariant()).Order(StringComparer.Ordinal), State.BcSalesOrders.Select(o => o.ExternalDocumentNumber).Order(StringComparer.Ordinal));
        Assert.True(State.Calls.Count(c => c.StatusCode == 429) >= 40, "the storm happened");
        Assert.DoesNotContain(await FailuresAsync(QueueNames.TracktileOrders), f => f.GetBoolean("Poisoned") == true); // some waited for a retry; none lost
        Assert.InRange(State.BcMaxObservedInFlight, 1, 5);
    }

    [Fact]
    public async Task InventoryEvent_NoLotJournalPage_PoisonedAtOnceNamingTheSetting()
    {
        await StartFunctionAsync("InventoryEventsFunction");

        await PostTracktileAsync($$$"""{"id":"evt_inv","kind":"inventory.received","time":"{{{T0:O}}}","transactionId":"t","flowId":"f","entity":{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":5,"unit":"kg"},"node":{"id":"node_rcv","name":"Receiving","type":"stage"}}""");

        var failure = await PoisonedAsync(QueueNames.TracktileInventory);
        Assert.Contains("BusinessCentral:LotJournal:ApiPath", failure.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(1, failure.GetInt64("Attempt"));
        Assert.DoesNotContain(State.Calls, c => c.Path.StartsWith("/bc/", StringComparison.Ordinal) && c.Method != "GET");
    }
}
