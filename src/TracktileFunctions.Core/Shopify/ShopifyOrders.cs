using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;

namespace TracktileFunctions.Shopify;

/// <summary>
/// Shopify's order in its two shapes: the REST-shaped webhook payload (<c>orders/create</c>, <c>orders/updated</c>,
/// <c>orders/cancelled</c>) and the GraphQL <c>Order</c> node the reconciliation reads, which is turned into the first so
/// both take one path.
/// </summary>
public static class ShopifyOrders
{
    /// <summary>Reads a queued payload (<c>{"shop": ..., "order": {REST order}}</c>).</summary>
    /// <exception cref="PermanentProcessingException">A field the import needs is missing.</exception>
    public static StoreOrder Read(JsonElement payload, string topic)
    {
        var shop = payload.TryGetProperty("shop", out var s) && s.GetString() is { Length: > 0 } domain
            ? domain
            : throw new PermanentProcessingException("the queued Shopify event names no shop");
        if (!payload.TryGetProperty("order", out var order) || order.ValueKind != JsonValueKind.Object)
        {
            throw new PermanentProcessingException($"the queued Shopify {topic} event has no order");
        }

        var id = order.TryGetProperty("id", out var i) && i.ValueKind is JsonValueKind.Number or JsonValueKind.String && i.ToString() is { Length: > 0 } text
            ? text
            : throw new PermanentProcessingException($"Shopify {topic} from {shop}: the order has no id");
        var name = Text(order, "name") ?? throw new PermanentProcessingException($"Shopify order {id} from {shop} has no name");
        var created = Time(order, "created_at") ?? throw new PermanentProcessingException($"Shopify order {name} from {shop} has no created_at");
        var lines = new List<StoreOrderLine>();
        if (order.TryGetProperty("line_items", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var line in items.EnumerateArray())
            {
                var quantity = line.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetDecimal() : 0;
                var price = line.TryGetProperty("price", out var p) && decimal.TryParse(p.ToString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
                var variant = line.TryGetProperty("variant_id", out var v) && v.ValueKind is JsonValueKind.Number or JsonValueKind.String ? v.ToString() : null;
                lines.Add(new StoreOrderLine(Text(line, "sku")?.Trim() is { Length: > 0 } sku ? sku : null, variant, quantity, price));
            }
        }

        var email = Text(order, "email") ?? (order.TryGetProperty("customer", out var c) && c.ValueKind == JsonValueKind.Object ? Text(c, "email") : null);
        var cancelled = topic == "orders/cancelled" || Text(order, "cancelled_at") is not null;
        return new StoreOrder("shopify", shop, id, name, created, Time(order, "updated_at"), cancelled, Text(order, "currency"), email, lines);
    }

    /// <summary>A GraphQL <c>Order</c> node (as <see cref="ShopifyDocuments.OrderForImport"/> selects it) and all its line nodes, in the webhook's REST shape.</summary>
    public static JsonObject ToRestShape(JsonElement node, IEnumerable<JsonElement> lineNodes)
    {
        ArgumentNullException.ThrowIfNull(lineNodes);
        var lines = new JsonArray();
        {
            foreach (var line in lineNodes)
            {
                lines.Add(new JsonObject
                {
                    ["sku"] = Text(line, "sku"),
                    ["quantity"] = line.TryGetProperty("quantity", out var q) ? q.GetInt32() : 0,
                    ["variant_id"] = line.TryGetProperty("variant", out var v) && v.ValueKind == JsonValueKind.Object ? Text(v, "legacyResourceId") : null,
                    ["price"] = line.TryGetProperty("originalUnitPriceSet", out var set) && set.ValueKind == JsonValueKind.Object
                        ? Text(set.GetProperty("shopMoney"), "amount")
                        : null,
                });
            }
        }

        return new JsonObject
        {
            ["id"] = Text(node, "legacyResourceId"),
            ["admin_graphql_api_id"] = Text(node, "id"),
            ["name"] = Text(node, "name"),
            ["created_at"] = Text(node, "createdAt"),
            ["updated_at"] = Text(node, "updatedAt"),
            ["cancelled_at"] = Text(node, "cancelledAt"),
            ["currency"] = Text(node, "currencyCode"),
            ["email"] = Text(node, "email") ?? (node.TryGetProperty("customer", out var c) && c.ValueKind == JsonValueKind.Object ? Text(c, "email") : null),
            ["line_items"] = lines,
        };
    }

    private static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? value.ToString()
            : null;

    private static DateTimeOffset? Time(JsonElement element, string name)
        => Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time : null;
}
