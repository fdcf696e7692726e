using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using TracktileFunctions.Sandbox.Tracktile;

namespace TracktileFunctions.SandboxTests;

public sealed class TracktileSideTests : SandboxTestBase
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2024-01-15T10:00:00Z", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token")]
    [InlineData("Basic YXBpLXNhbmRib3gtdG9rZW46")]
    public async Task GetOrder_MissingOrWrongToken_Answers401WithStatusAndMessage(string? authorization)
    {
        State.SeedOrders(Order("ord_1"));
        using var client = new HttpClient { BaseAddress = Server.TracktileBaseAddress };
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        using var response = await client.GetAsync("orders/ord_1");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal(401, body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        Assert.Equal(authorization is not null, Assert.Single(State.Calls).HasAuthorization);
    }

    [Fact]
    public async Task GetOrder_Seeded_ReturnsOrderJson()
    {
        State.SeedOrders(Order("ord_1"));

        using var response = await Tracktile.GetAsync("orders/ord_1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var order = await ReadJsonAsync(response);
        Assert.Equal("SO-1001", order.GetProperty("shortId").GetString());
        Assert.Equal("2024-02-01", order.GetProperty("dueDate").GetString());
        var item = Assert.Single(order.GetProperty("orderItems").EnumerateArray().ToList());
        Assert.Equal(("prod_1", 2m, 9.5m), (item.GetProperty("productId").GetString(), item.GetProperty("quantity").GetDecimal(), item.GetProperty("price").GetDecimal()));
        Assert.Equal("Bearer", Assert.Single(State.Calls).AuthorizationScheme);
    }

    [Fact]
    public async Task GetOrder_Unknown_Answers404WithStatusAndMessage()
    {
        using var response = await Tracktile.GetAsync("orders/ord_404");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, (await ReadJsonAsync(response)).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task GetProducts_BareArray_ReturnsProductsModifiedSinceInclusiveInOrder()
    {
        SeedProducts();

        using var response = await Tracktile.GetAsync("products?modifiedSince=2024-01-15T11:00:00.000Z");

        var products = await ReadJsonAsync(response);
        Assert.Equal(JsonValueKind.Array, products.ValueKind);
        Assert.Equal(["p_b", "p_c", "p_d"], products.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Equal("2024-01-15T11:00:00.000Z", products[0].GetProperty("modifiedAt").GetString());
        Assert.Equal(25, products[0].GetProperty("attributes").GetProperty("weightKg").GetInt32());
    }

    [Fact]
    public async Task GetProducts_OffsetEnvelope_PagesWithTotal()
    {
        SeedProducts();
        State.ProductPagination = ProductPagination.OffsetEnvelope;

        using var first = await Tracktile.GetAsync("products?modifiedSince=2024-01-15T11:00:00.000Z&limit=2&offset=0");
        using var second = await Tracktile.GetAsync("products?modifiedSince=2024-01-15T11:00:00.000Z&limit=2&offset=2");

        var page1 = await ReadJsonAsync(first);
        var page2 = await ReadJsonAsync(second);
        Assert.Equal(3, page1.GetProperty("total").GetInt32());
        Assert.Equal(["p_b", "p_c"], Ids(page1));
        Assert.Equal(["p_d"], Ids(page2));
    }

    [Fact]
    public async Task GetProducts_CursorEnvelope_FollowsCursorsToNull()
    {
        SeedProducts();
        State.ProductPagination = ProductPagination.CursorEnvelope;

        var ids = new List<string?>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var query = "products?modifiedSince=2024-01-15T10:00:00.000Z&limit=2" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await Tracktile.GetAsync(query);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await ReadJsonAsync(response);
            ids.AddRange(Ids(page));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(["p_a", "p_b", "p_c", "p_d"], ids);
        Assert.Equal(2, pages);
    }

    [Fact]
    public async Task GetProducts_InvalidModifiedSince_Answers400()
    {
        using var response = await Tracktile.GetAsync("products?modifiedSince=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PutCustomer_TwoPuts_LastBodyKeptAndBothListed()
    {
        using var first = await Tracktile.PutAsync("customers/cus_1", new StringContent("""{ "name": "Acme" }""", Encoding.UTF8, "application/json"));
        using var second = await Tracktile.PutAsync("customers/cus_1", new StringContent("""{ "name": "Acme Foods" }""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("Acme Foods", State.LastCustomerBody("cus_1")?.GetProperty("name").GetString());
        Assert.Equal(2, State.CustomerPuts.Count);
        Assert.Null(State.LastCustomerBody("cus_2"));
    }

    [Fact]
    public async Task GetInventoryEntity_SeededOrNot_ReturnsItOr404()
    {
        State.SeedInventoryEntities(new InventoryEntity("ent_1", "BATCH-001", "prod_1", 120, "kg"));

        using var found = await Tracktile.GetAsync("inventory/entities/ent_1");
        using var missing = await Tracktile.GetAsync("inventory/entities/ent_2");

        Assert.Equal(120m, (await ReadJsonAsync(found)).GetProperty("quantity").GetDecimal());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Reset_AfterActivity_ForgetsEverything()
    {
        State.SeedOrders(Order("ord_1"));
        State.ProductPagination = ProductPagination.CursorEnvelope;
        using var response = await Tracktile.GetAsync("orders/ord_1");

        State.Reset();

        Assert.Empty(State.Orders);
        Assert.Empty(State.Calls);
        Assert.Equal(ProductPagination.BareArray, State.ProductPagination);
    }

    private static IEnumerable<string?> Ids(JsonElement page) => page.GetProperty("results").EnumerateArray().Select(p => p.GetProperty("id").GetString());

    private static TracktileOrder Order(string id)
        => new(id, "SO-1001", "cus_1", new DateOnly(2024, 2, 1), "USD", "ready", [new TracktileOrderItem("prod_1", 2, 9.5m)]);

    /// <summary>p_a at T0, p_b and p_c at T0+1h (same time: ordered by id), p_d at T0+2h; seeded out of order.</summary>
    private void SeedProducts()
        => State.SeedProducts(
            new TracktileProduct("p_d", "SKU-D", "D", "kg", true, T0.AddHours(2)),
            new TracktileProduct("p_c", "SKU-C", "C", "kg", false, T0.AddHours(1)),
            new TracktileProduct("p_a", "SKU-A", "A", "kg", true, T0),
            new TracktileProduct("p_b", "SKU-B", "Flour 25 kg", "kg", true, T0.AddHours(1), new Dictionary<string, object?> { ["weightKg"] = 25 }));
}
