using System.Net;
using Microsoft.Extensions.Options;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.UnitTests.Tracktile;

public sealed class TracktileClientTests
{
    private static TracktileClient Client(StubHandler handler)
        => new(new HttpClient(handler) { BaseAddress = new Uri("http://tracktile.test/") }, Options.Create(new TracktileClientOptions()));

    [Fact]
    public async Task GetOrderAsync_Found_ReadsOrderAndKeepsUnknownFields()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, """
            {"id":"ord_1","shortId":"SO-1","customerId":"cus_1","currency":"USD","status":"ready","priority":"high",
             "orderItems":[{"productId":"prod_1","quantity":3,"price":1.25}]}
            """);

        var order = await Client(handler).GetOrderAsync("ord_1", CancellationToken.None);

        Assert.Equal("http://tracktile.test/orders/ord_1", handler.Requests[0].Request.RequestUri!.ToString());
        Assert.Equal("SO-1", order.ShortId);
        Assert.Equal(new TracktileOrderItem("prod_1", 3, 1.25m), Assert.Single(order.OrderItems));
        Assert.Equal("high", order.Extra!["priority"].GetString());
    }

    [Fact]
    public async Task GetOrderAsync_NotFound_ThrowsPermanentWithTracktileMessage()
    {
        var handler = StubHandler.Json(HttpStatusCode.NotFound, """{"status":404,"message":"Order not found"}""");

        var ex = await Assert.ThrowsAsync<TracktileApiException>(() => Client(handler).GetOrderAsync("ord_x", CancellationToken.None));

        Assert.Equal(404, ex.Status);
        Assert.False(ex.IsTransient);
        Assert.Contains("Order not found", ex.Message, StringComparison.Ordinal);
    }
}
