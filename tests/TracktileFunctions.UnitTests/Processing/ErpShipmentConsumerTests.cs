using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.RestErp;
using TracktileFunctions.Storage;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.UnitTests.Processing;

public sealed class ErpShipmentConsumerTests
{
    private readonly StubHandler _erp = StubHandler.Json(HttpStatusCode.OK, "{}");

    private ErpShipmentConsumer Consumer(params string[] confirmOn) => new(
        new RestErpClient(new HttpClient(_erp) { BaseAddress = new Uri("http://erp.test/") }, Options.Create(new RestErpOptions())),
        // Never called on these paths (the REST ERP confirms by shipment id alone): no storage, no Tracktile.
        new SyncStateStore(new LazyTable(new Azure.Data.Tables.TableClient("UseDevelopmentStorage=true", SyncStateStore.TableName)), TimeProvider.System),
        new TracktileClient(new HttpClient(StubHandler.Json(HttpStatusCode.InternalServerError, "{}")) { BaseAddress = new Uri("http://tracktile.test/") }, Options.Create(new TracktileClientOptions())),
        Options.Create(new ErpShipmentOptions { ConfirmOnStatuses = confirmOn.Length == 0 ? [.. ErpShipmentOptions.DefaultConfirmOnStatuses] : [.. confirmOn] }));

    private static WebhookEventReceived Event(string status)
    {
        var payload = JsonElement.Parse(Fixture.Event("shipment.status.changed"));
        var json = payload.GetRawText().Replace("\"in_transit\"", $"\"{status}\"", StringComparison.Ordinal);
        return new WebhookEventReceived("tracktile", "evt_shp_001", "shipment.status.changed", new DateTimeOffset(2024, 1, 15, 11, 0, 0, TimeSpan.Zero), DateTimeOffset.UnixEpoch, JsonElement.Parse(json));
    }

    [Fact]
    public async Task HandleAsync_InTransit_ConfirmsShipmentWithShortId()
    {
        await Consumer().HandleAsync(Event("in_transit"), CancellationToken.None);

        var (request, body) = Assert.Single(_erp.Requests);
        Assert.Equal("http://erp.test/shipments/shp_1/confirm", request.RequestUri!.ToString());
        Assert.Equal("tracktile-shipment-shp_1-in_transit", request.Headers.GetValues("Idempotency-Key").Single());
        var json = JsonElement.Parse(body!);
        Assert.Equal(("SHP-001", "in_transit"), (json.GetProperty("shipmentNumber").GetString(), json.GetProperty("status").GetString()));
    }

    [Theory]
    [InlineData("picking")]
    [InlineData("delivered")]
    public async Task HandleAsync_OtherStatus_CallsNothing(string status)
    {
        var outcome = await Consumer().HandleAsync(Event(status), CancellationToken.None);

        Assert.Empty(_erp.Requests);
        Assert.StartsWith("ignored", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_ConfiguredExtraStatus_Confirms()
    {
        await Consumer("in_transit", "delivered").HandleAsync(Event("delivered"), CancellationToken.None);

        Assert.Single(_erp.Requests);
    }
}
