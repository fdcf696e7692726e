using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.RestErp;

namespace TracktileFunctions.UnitTests.RestErp;

public sealed class RestErpClientTests
{
    private static readonly ErpSalesOrder Order = new("ord_1", "SO-1", "cus_1", "2024-02-01", "USD", "ready",
        [new ErpSalesOrderLine(1, "prod_1", 2, 9.5m)], "evt_1", new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    private static RestErpClient Client(StubHandler handler, RestErpOptions? options = null)
        => new(new HttpClient(handler) { BaseAddress = new Uri("http://erp.test/api/") }, Options.Create(options ?? new RestErpOptions()));

    [Fact]
    public async Task CreateSalesOrderAsync_Created_PostsContractBodyWithIdempotencyKey()
    {
        var handler = StubHandler.Json(HttpStatusCode.Created, """{"id":"SO-77"}""");

        var created = await Client(handler).CreateSalesOrderAsync(Order, "tracktile-order-ord_1", CancellationToken.None);

        Assert.Equal(new ErpCreated("SO-77", Replayed: false), created);
        var (request, body) = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("http://erp.test/api/sales-orders", request.RequestUri!.ToString());
        Assert.Equal("tracktile-order-ord_1", Assert.Single(request.Headers.GetValues("Idempotency-Key")));
        using var json = JsonDocument.Parse(body!);
        Assert.Equal("ord_1", json.RootElement.GetProperty("externalId").GetString());
        Assert.Equal(9.5m, json.RootElement.GetProperty("lines")[0].GetProperty("unitPrice").GetDecimal());
    }

    [Fact]
    public async Task CreateSalesOrderAsync_RepeatedKeyAnswered200_ReportsReplay()
    {
        var created = await Client(StubHandler.Json(HttpStatusCode.OK, """{"id":"SO-77"}""")).CreateSalesOrderAsync(Order, "k", CancellationToken.None);

        Assert.True(created.Replayed);
    }

    [Fact]
    public async Task UpdateSalesOrderStatusAsync_IdNeedingEscape_UsesConfiguredPathEscaped()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, "{}");
        var options = new RestErpOptions { Paths = { UpdateSalesOrder = "/orders/{id}/status" } };

        await Client(handler, options).UpdateSalesOrderStatusAsync("SO 1/2", new ErpSalesOrderStatusUpdate("completed", null, "evt_2"), "k", CancellationToken.None);

        Assert.Equal("http://erp.test/api/orders/SO%201%2F2/status", handler.Requests[0].Request.RequestUri!.AbsoluteUri);
        Assert.Equal(HttpMethod.Patch, handler.Requests[0].Request.Method);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Unauthorized, true)]
    [InlineData(HttpStatusCode.Forbidden, true)]
    [InlineData(HttpStatusCode.NotFound, false)]
    [InlineData(HttpStatusCode.Conflict, false)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.InternalServerError, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    public async Task ConfirmShipmentAsync_ErrorStatus_ThrowsWithTransience(HttpStatusCode status, bool transient)
    {
        var handler = StubHandler.Json(status, """{"code":"invalid_shipment","message":"shipment is closed"}""");

        var ex = await Assert.ThrowsAsync<ErpApiException>(() => Client(handler).ConfirmShipmentAsync(
            new ErpShipmentConfirmation("shp_1", "SHP-001", "in_transit", null, "evt_1"), "k", CancellationToken.None));

        Assert.Equal((int)status, ex.Status);
        Assert.Equal("invalid_shipment", ex.ErrorCode);
        Assert.Equal(transient, ex.IsTransient);
        Assert.Contains("shipment is closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateSalesOrderAsync_MalformedSuccessAnswer_ThrowsTransient()
    {
        var ex = await Assert.ThrowsAsync<ErpApiException>(() =>
            Client(StubHandler.Json(HttpStatusCode.Created, "<html>oops")).CreateSalesOrderAsync(Order, "k", CancellationToken.None));

        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task CreateSalesOrderAsync_NoAnswer_ThrowsTransientWithStatusZero()
    {
        var handler = new StubHandler(_ => throw new HttpRequestException("connection refused"));

        var ex = await Assert.ThrowsAsync<ErpApiException>(() => Client(handler).CreateSalesOrderAsync(Order, "k", CancellationToken.None));

        Assert.Equal(0, ex.Status);
        Assert.True(ex.IsTransient);
    }
}
