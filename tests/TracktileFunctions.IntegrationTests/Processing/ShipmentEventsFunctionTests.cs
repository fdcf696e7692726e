using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

[Collection(AzuriteCollection.Name)]
public sealed class ShipmentEventsFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private static string ShipmentEvent(string id, string status)
        => $$"""{"id":"{{id}}","kind":"shipment.status.changed","time":"2024-01-15T11:00:00Z","transactionId":"t","shipmentId":"shp_1","shipmentShortId":"SHP-001","previousShipmentStatus":"packed","currentShipmentStatus":"{{status}}"}""";

    [Fact]
    public async Task RunAsync_InTransitTwiceAndOtherStatuses_ConfirmsShipmentOnce()
    {
        await StartFunctionAsync("ShipmentEventsFunction");

        await PostTracktileAsync(ShipmentEvent("evt_p", "picking"));
        await PostTracktileAsync(ShipmentEvent("evt_t", "in_transit"));
        await PostTracktileAsync(ShipmentEvent("evt_t", "in_transit"));
        await PostTracktileAsync(ShipmentEvent("evt_d", "delivered"));
        await DrainedAsync(QueueNames.TracktileShipments);

        var confirmation = Assert.Single(State.ShipmentConfirmations);
        Assert.Single(State.CallsTo("POST", "/erp/shipments/shp_1/confirm"));
        Assert.Equal(("shp_1", "in_transit"), (confirmation.ShipmentId, confirmation.Status));
        Assert.Equal("SHP-001", confirmation.Body.GetProperty("shipmentNumber").GetString());
        Assert.Equal("tracktile-shipment-shp_1-in_transit", confirmation.IdempotencyKey);
    }
}
