using System.Net;
using System.Text;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.SandboxTests;

/// <summary>The fake Tracktile's shipments (<c>GET/PATCH /tracktile/shipments/{id}</c>) and the orders' optional ship-to.</summary>
public sealed class TracktileShipmentsTests : SandboxTestBase
{
    [Fact]
    public async Task GetShipment_Seeded_AnswersItsItemsWithLotCodes()
    {
        State.SeedShipments(new TracktileShipment("shp_1", "SH-1", "ord_1", "ready", [new TracktileShipmentItem("prod_1", 2, ["LOT-A"])]));

        using var response = await Tracktile.GetAsync("shipments/shp_1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("ord_1", body.GetProperty("orderId").GetString());
        Assert.Equal("LOT-A", body.GetProperty("items")[0].GetProperty("lotCodes")[0].GetString());
    }

    [Fact]
    public async Task Shipment_Unknown_Answers404()
    {
        using var get = await Tracktile.GetAsync("shipments/nope");
        using var patch = await Tracktile.PatchAsync("shipments/nope", new StringContent("{\"status\":\"in_transit\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Empty(State.ShipmentPatches);
    }

    [Fact]
    public async Task PatchShipment_MergePatch_AppliesAndRecords()
    {
        State.SeedShipments(new TracktileShipment("shp_2", "SH-2", "ord_2", "ready", [new TracktileShipmentItem("prod_1", 2, [])]));
        const string Patch = """{"status":"in_transit","carrier":"UPS","trackingNumber":"1Z1","shippedLots":[{"productId":"prod_1","lotCode":"LOT-A","quantity":2}]}""";

        using var response = await Tracktile.PatchAsync("shipments/shp_2", new StringContent(Patch, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal("in_transit", body.GetProperty("status").GetString());
        Assert.Equal("ord_2", body.GetProperty("orderId").GetString());
        Assert.Equal("LOT-A", body.GetProperty("shippedLots")[0].GetProperty("lotCode").GetString());
        Assert.Equal("shp_2", Assert.Single(State.ShipmentPatches).ShipmentId);
        Assert.Equal("1Z1", State.FindShipment("shp_2")!["trackingNumber"]!.GetValue<string>());
    }

    [Fact]
    public async Task GetOrder_WithShippingAddress_WritesIt_WithoutOmitsIt()
    {
        State.SeedOrders(
            new TracktileOrder("ord_a", "SO-A", "cus_1", null, "USD", "ready", [], new TracktileAddress(Name: "Ada", Address1: "1 Main St", City: "Springfield", Zip: "62701", Country: "US")),
            new TracktileOrder("ord_b", "SO-B", "cus_1", null, "USD", "ready", []));

        var withAddress = await ReadJsonAsync(await Tracktile.GetAsync("orders/ord_a"));
        var without = await ReadJsonAsync(await Tracktile.GetAsync("orders/ord_b"));

        Assert.Equal("Springfield", withAddress.GetProperty("shippingAddress").GetProperty("city").GetString());
        Assert.False(without.TryGetProperty("shippingAddress", out _));
    }

    [Fact]
    public async Task GetShipment_NoToken_Answers401()
    {
        using var anonymous = new HttpClient { BaseAddress = Server.TracktileBaseAddress };
        using var response = await anonymous.GetAsync("shipments/shp_1");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
