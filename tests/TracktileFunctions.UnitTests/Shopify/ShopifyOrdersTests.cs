using System.Text.Json;
using TracktileFunctions.Processing;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;

namespace TracktileFunctions.UnitTests.Shopify;

public sealed class ShopifyOrdersTests
{
    private const string RestOrder = """
        {"shop":"unit-store.myshopify.com","order":{
          "id":450789469,"admin_graphql_api_id":"gid://shopify/Order/450789469","name":"#1001","order_number":1001,
          "created_at":"2026-11-30T10:00:00-05:00","updated_at":"2026-11-30T10:05:00-05:00","cancelled_at":null,
          "currency":"USD","email":null,"customer":{"id":1,"email":"bob@example.com"},
          "line_items":[{"id":1,"variant_id":39072856,"sku":"JAM-250","quantity":3,"price":"4.50"},
                        {"id":2,"variant_id":39072857,"sku":"","quantity":1,"price":"10.00"}]}}
        """;

    [Fact]
    public void Read_RestOrder_FieldsLinesAndCustomerEmail()
    {
        using var payload = JsonDocument.Parse(RestOrder);

        var order = ShopifyOrders.Read(payload.RootElement, "orders/create");

        Assert.Equal(("unit-store.myshopify.com", "450789469", "#1001", "USD", "bob@example.com"), (order.Shop, order.OrderId, order.Name, order.Currency, order.Email));
        Assert.Equal(DateTimeOffset.Parse("2026-11-30T15:05:00Z", System.Globalization.CultureInfo.InvariantCulture), order.UpdatedAt);
        Assert.False(order.Cancelled);
        Assert.Equal([new StoreOrderLine("JAM-250", "39072856", 3, 4.50m), new StoreOrderLine(null, "39072857", 1, 10m)], order.Lines);
    }

    [Fact]
    public void Read_CancelledTopic_Cancelled()
    {
        using var payload = JsonDocument.Parse(RestOrder);

        Assert.True(ShopifyOrders.Read(payload.RootElement, "orders/cancelled").Cancelled);
    }

    [Fact]
    public void Read_NoShop_Permanent()
    {
        using var payload = JsonDocument.Parse("""{"order":{"id":1}}""");

        Assert.Throws<PermanentProcessingException>(() => ShopifyOrders.Read(payload.RootElement, "orders/create"));
    }

    [Fact]
    public void ToRestShape_GraphqlNode_ReadsLikeTheWebhook()
    {
        using var node = JsonDocument.Parse("""
            {"id":"gid://shopify/Order/450789469","legacyResourceId":"450789469","name":"#1001","createdAt":"2026-11-30T15:00:00Z",
             "updatedAt":"2026-11-30T15:05:00Z","cancelledAt":"2026-11-30T15:06:00Z","currencyCode":"USD","email":"bob@example.com",
             "customer":{"email":"bob@example.com"},
             "lineItems":{"nodes":[{"sku":"JAM-250","quantity":3,"variant":{"legacyResourceId":"39072856"},"originalUnitPriceSet":{"shopMoney":{"amount":"4.5"}}}]}}
            """);

        var rest = ShopifyOrders.ToRestShape(node.RootElement, node.RootElement.GetProperty("lineItems").GetProperty("nodes").EnumerateArray());
        using var wrapped = JsonDocument.Parse(ShopifyWebhook.Wrap("unit-store.myshopify.com", JsonSerializer.SerializeToUtf8Bytes(rest)));
        var order = ShopifyOrders.Read(wrapped.RootElement, "orders/updated");

        Assert.Equal(("450789469", "#1001", true), (order.OrderId, order.Name, order.Cancelled));
        Assert.Equal([new StoreOrderLine("JAM-250", "39072856", 3, 4.5m)], order.Lines);
    }

    [Fact]
    public void ShortId_NameWithHash_PrefixAndNumber()
        => Assert.Equal("WEB-1001", StoreOrderImport.ShortId(
            new StoreOrder("shopify", "s", "1", "#1001", DateTimeOffset.UnixEpoch, null, false, null, null, []), "WEB-"));
}
