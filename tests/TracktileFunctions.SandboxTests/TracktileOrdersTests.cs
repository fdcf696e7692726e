using System.Net;
using System.Text;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.SandboxTests;

/// <summary>The fake Tracktile's order creation, look-up by shortId, PATCH and lots by product.</summary>
public sealed class TracktileOrdersTests : SandboxTestBase
{
    private const string OrderJson = """
        { "shortId": "SO-1001", "customerId": "cus_1", "dueDate": "2026-02-01", "currency": "USD",
          "orderItems": [ { "productId": "prod_1", "quantity": 2, "price": 9.5 } ] }
        """;

    [Fact]
    public async Task PostOrders_SameShortIdTwice_CreatesTwoPendingOrders()
    {
        using var first = await Tracktile.PostAsync("orders", Json(OrderJson));
        using var second = await Tracktile.PostAsync("orders", Json(OrderJson));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var body = await ReadJsonAsync(first);
        Assert.Equal("ord_1", body.GetProperty("id").GetString());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, State.CreatedOrderCount("SO-1001"));
        using var found = await Tracktile.GetAsync("orders/ord_2");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
    }

    [Fact]
    public async Task PostOrders_MissingCustomer_Returns400NamingTheField()
    {
        using var response = await Tracktile.PostAsync("orders", Json(OrderJson.Replace("\"customerId\": \"cus_1\", ", string.Empty, StringComparison.Ordinal)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.Contains("customerId", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(State.CreatedOrders);
    }

    [Fact]
    public async Task GetOrdersByShortId_AndPatch_FindAndChangeTheOrder()
    {
        (await Tracktile.PostAsync("orders", Json(OrderJson))).Dispose();

        using var list = await Tracktile.GetAsync("orders?shortId=SO-1001");
        using var patch = await Tracktile.PatchAsync("orders/ord_1", Json("""{ "status": "cancelled" }"""));
        using var missing = await Tracktile.PatchAsync("orders/ord_404", Json("""{ "status": "cancelled" }"""));

        var orders = await ReadJsonAsync(list);
        Assert.Equal("ord_1", Assert.Single(orders.EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.Equal("cancelled", (await ReadJsonAsync(patch)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("cancelled", State.Orders.Single().Status);
    }

    [Fact]
    public async Task GetInventoryEntitiesByProduct_ReturnsItsLotsWithNodes()
    {
        State.SeedInventoryEntities(
            new InventoryEntity("ent_1", "BATCH-001", "prod_1", 10, "kg", "node_1"),
            new InventoryEntity("ent_2", "BATCH-002", "prod_2", 5, "kg"));

        using var response = await Tracktile.GetAsync("inventory/entities?productId=prod_1");

        var lot = Assert.Single((await ReadJsonAsync(response)).EnumerateArray());
        Assert.Equal("BATCH-001", lot.GetProperty("name").GetString());
        Assert.Equal("node_1", lot.GetProperty("node").GetProperty("id").GetString());
        Assert.False(lot.TryGetProperty("nodeId", out _));
    }

    [Fact]
    public async Task PostOrders_WithoutToken_Returns401()
    {
        using var client = new HttpClient { BaseAddress = Server.TracktileBaseAddress };

        using var response = await client.PostAsync("orders", Json(OrderJson));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
