using System.Net;
using TracktileFunctions.Sandbox.Erp;

namespace TracktileFunctions.SandboxTests;

public sealed class ErpSideTests : SandboxTestBase
{
    [Fact]
    public async Task CreateSalesOrder_SameIdempotencyKeyTwice_OneOrderWithSameId()
    {
        using var first = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "tracktile-order-ord_1");
        using var second = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1", eventId: "evt_other"), "tracktile-order-ord_1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var id = (await ReadJsonAsync(first)).GetProperty("id").GetString();
        Assert.Equal("SO-1", id);
        Assert.Equal(id, (await ReadJsonAsync(second)).GetProperty("id").GetString());
        var order = Assert.Single(State.SalesOrders);
        Assert.Equal(("SO-1", "ord_1", "ready", "tracktile-order-ord_1"), (order.Id, order.ExternalId, order.Status, order.IdempotencyKey));
        Assert.Equal([false, true], State.Calls.Select(c => c.Replayed));
    }

    [Fact]
    public async Task CreateSalesOrder_ConcurrentRequestsWithSameKey_OneOrder()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(
            i => SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1", eventId: $"evt_{i}"), "tracktile-order-ord_1")));

        var ids = await Task.WhenAll(responses.Select(async r => (await ReadJsonAsync(r)).GetProperty("id").GetString()));
        Assert.Single(State.SalesOrders);
        Assert.All(ids, id => Assert.Equal("SO-1", id));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task CreateSalesOrder_WithoutIdempotencyKey_AcceptedAndRecordedWithoutKey()
    {
        using var first = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"));
        using var second = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"));

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(["SO-1", "SO-2"], State.SalesOrders.Select(o => o.Id));
        Assert.All(State.Calls, c => Assert.Null(c.IdempotencyKey));
    }

    [Fact]
    public async Task CreateSalesOrder_MissingExternalId_Answers400WithCodeAndMessage()
    {
        using var response = await SendErpAsync(HttpMethod.Post, "sales-orders", """{ "status": "ready" }""", "k");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", (await ReadJsonAsync(response)).GetProperty("code").GetString());
        Assert.Empty(State.SalesOrders);
    }

    [Fact]
    public async Task UpdateSalesOrder_KnownId_AppendsStatusHistory()
    {
        using var create = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "tracktile-order-ord_1");
        using var update = await SendErpAsync(
            HttpMethod.Patch, "sales-orders/SO-1",
            """{ "status": "completed", "statusChangedAt": "2024-01-16T08:00:00Z", "sourceEventId": "evt_def456" }""",
            "tracktile-order-status-evt_def456");

        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var order = Assert.Single(State.SalesOrders);
        Assert.Equal("completed", order.Status);
        Assert.Equal(["ready", "completed"], order.StatusHistory.Select(s => s.Status));
        Assert.Equal(DateTimeOffset.Parse("2024-01-16T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture), order.StatusHistory[1].StatusChangedAt);
    }

    [Fact]
    public async Task UpdateSalesOrder_UnknownId_Answers404()
    {
        using var response = await SendErpAsync(HttpMethod.Patch, "sales-orders/SO-404", """{ "status": "completed" }""", "k");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await ReadJsonAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UpdateSalesOrder_RetryAfter404WithSameKey_TakesEffect()
    {
        const string update = """{ "status": "completed", "sourceEventId": "evt_def456" }""";

        using var early = await SendErpAsync(HttpMethod.Patch, "sales-orders/SO-1", update, "tracktile-order-status-evt_def456");
        using var create = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "tracktile-order-ord_1");
        using var retry = await SendErpAsync(HttpMethod.Patch, "sales-orders/SO-1", update, "tracktile-order-status-evt_def456");

        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.False(State.Calls[^1].Replayed);
        Assert.Equal("completed", Assert.Single(State.SalesOrders).Status);
    }

    [Fact]
    public async Task IdempotencyKey_ReusedOnAnotherPath_Answers422WithoutEffect()
    {
        using var create = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "same-key");
        using var confirm = await SendErpAsync(HttpMethod.Post, "shipments/shp_1/confirm", """{ "shipmentId": "shp_1", "status": "in_transit" }""", "same-key");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, confirm.StatusCode);
        Assert.Empty(State.ShipmentConfirmations);
    }

    [Fact]
    public async Task ConfirmShipment_RepeatedKey_RecordedOnce()
    {
        const string body = """{ "shipmentId": "shp_1", "shipmentNumber": "SHP-001", "status": "in_transit", "confirmedAt": "2024-01-15T11:00:00Z", "sourceEventId": "evt_shp_001" }""";

        using var first = await SendErpAsync(HttpMethod.Post, "shipments/shp_1/confirm", body, "tracktile-shipment-shp_1-in_transit");
        using var second = await SendErpAsync(HttpMethod.Post, "shipments/shp_1/confirm", body, "tracktile-shipment-shp_1-in_transit");

        Assert.True(second.IsSuccessStatusCode);
        var confirmation = Assert.Single(State.ShipmentConfirmations);
        Assert.Equal(("shp_1", "in_transit"), (confirmation.ShipmentId, confirmation.Status));
    }

    [Fact]
    public async Task UpsertProduct_TwiceWithDifferentKeys_CreatedThenUpdated()
    {
        const string v1 = """{ "externalId": "prod_1", "sku": "SKU-1", "name": "Flour 25 kg", "unit": "kg", "active": true, "modifiedAt": "2024-01-15T10:00:00Z", "attributes": { } }""";
        var v2 = v1.Replace("Flour 25 kg", "Flour 20 kg", StringComparison.Ordinal);

        using var created = await SendErpAsync(HttpMethod.Put, "products/prod_1", v1, "tracktile-product-prod_1-2024-01-15T10:00:00Z");
        using var updated = await SendErpAsync(HttpMethod.Put, "products/prod_1", v2, "tracktile-product-prod_1-2024-01-16T10:00:00Z");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var product = Assert.Single(State.ErpProducts).Value;
        Assert.Equal(2, product.UpsertCount);
        Assert.Equal("Flour 20 kg", product.Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task StockMovements_ReceiptTransferWriteOff_LotEndsAtZero()
    {
        using var receipt = await SendErpAsync(HttpMethod.Post, "stock-movements", MovementJson("receipt", 120, null, "WH1/RECEIVING"), "tracktile-inventory-evt_1");
        Assert.Equal(HttpStatusCode.Created, receipt.StatusCode);
        Assert.Equal(120m, State.StockOf("prod_1", "BATCH-001", "WH1/RECEIVING"));

        using var transfer = await SendErpAsync(HttpMethod.Post, "stock-movements", MovementJson("transfer", 120, "WH1/RECEIVING", "WH1/A1"), "tracktile-inventory-evt_2");
        Assert.Equal(0m, State.StockOf("prod_1", "BATCH-001", "WH1/RECEIVING"));
        Assert.Equal(120m, State.StockOf("prod_1", "BATCH-001", "WH1/A1"));
        Assert.Equal(120m, State.LotTotal("prod_1", "BATCH-001"));

        using var writeOff = await SendErpAsync(HttpMethod.Post, "stock-movements", MovementJson("writeOff", 120, "WH1/A1", null), "tracktile-inventory-evt_3");
        Assert.Equal(HttpStatusCode.Created, writeOff.StatusCode);
        Assert.Equal(0m, State.StockOf("prod_1", "BATCH-001", "WH1/A1"));
        Assert.Equal(0m, State.LotTotal("prod_1", "BATCH-001"));
        Assert.Equal(["receipt", "transfer", "writeOff"], State.StockMovements.Select(m => m.MovementType));
    }

    [Fact]
    public async Task StockMovements_SameKeyTwice_AppliedOnce()
    {
        var receipt = MovementJson(MovementTypes.Receipt, 120, null, "WH1/RECEIVING");

        using var first = await SendErpAsync(HttpMethod.Post, "stock-movements", receipt, "tracktile-inventory-evt_inv_001");
        using var second = await SendErpAsync(HttpMethod.Post, "stock-movements", receipt, "tracktile-inventory-evt_inv_001");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(120m, State.LotTotal("prod_1", "BATCH-001"));
        Assert.Single(State.StockMovements);
    }

    [Fact]
    public async Task StockMovements_AdjustmentWithNegativeQuantity_Subtracts()
    {
        using var receipt = await SendErpAsync(HttpMethod.Post, "stock-movements", MovementJson("production", 40, null, "LINE1"), "k1");
        using var adjustment = await SendErpAsync(HttpMethod.Post, "stock-movements", MovementJson("adjustment", -5, null, "LINE1"), "k2");

        Assert.Equal(HttpStatusCode.Created, adjustment.StatusCode);
        Assert.Equal(35m, State.StockOf("prod_1", "BATCH-001", "LINE1"));
    }

    [Theory]
    [InlineData("transfer", 10, null, "WH1/A1")]
    [InlineData("writeOff", 10, null, null)]
    [InlineData("receipt", 10, null, null)]
    [InlineData("receipt", -10, null, "WH1/A1")]
    [InlineData("teleport", 10, "WH1/A1", "WH1/A2")]
    public async Task StockMovements_InvalidMovement_Answers400WithoutEffect(string type, int quantity, string? from, string? to)
    {
        using var response = await SendErpAsync(HttpMethod.Post, "stock-movements", MovementJson(type, quantity, from, to), "k");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(State.StockMovements);
        Assert.Empty(State.StockLedger);
    }

    [Fact]
    public async Task ErpWrite_NotJson_Answers415()
    {
        using var response = await Erp.PostAsync("sales-orders", new StringContent("externalId=ord_1"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Empty(State.SalesOrders);
    }
}
