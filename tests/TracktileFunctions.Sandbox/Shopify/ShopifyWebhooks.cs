using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.BusinessCentral;

namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>One webhook to send.</summary>
internal sealed record ShopifyWebhookRequest(
    string Shop,
    string Topic,
    Uri Target,
    string WebhookId,
    string EventId,
    DateTimeOffset TriggeredAt,
    string ApiVersion,
    byte[] Body,
    string Secret,
    string? SubscriptionId);

/// <summary>
/// Shopify's webhook deliveries (https://shopify.dev/docs/apps/build/webhooks/delivery-structure): a POST of the
/// REST-shaped resource as JSON with the <c>X-Shopify-*</c> headers, signed with base64 HMAC-SHA256 of the raw body
/// keyed with the app's client secret; connect timeout 1 s, 5 s in all. Only loopback targets are called.
/// </summary>
internal static class ShopifyWebhooks
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static readonly Dictionary<string, string> Topics = new(StringComparer.Ordinal)
    {
        ["ORDERS_CREATE"] = "orders/create",
        ["ORDERS_UPDATED"] = "orders/updated",
        ["ORDERS_CANCELLED"] = "orders/cancelled",
        ["ORDERS_PAID"] = "orders/paid",
        ["ORDERS_FULFILLED"] = "orders/fulfilled",
        ["ORDERS_PARTIALLY_FULFILLED"] = "orders/partially_fulfilled",
        ["ORDERS_DELETE"] = "orders/delete",
        ["ORDERS_EDITED"] = "orders/edited",
        ["INVENTORY_LEVELS_UPDATE"] = "inventory_levels/update",
        ["INVENTORY_LEVELS_CONNECT"] = "inventory_levels/connect",
        ["INVENTORY_LEVELS_DISCONNECT"] = "inventory_levels/disconnect",
        ["INVENTORY_ITEMS_UPDATE"] = "inventory_items/update",
        ["PRODUCTS_UPDATE"] = "products/update",
        ["PRODUCTS_CREATE"] = "products/create",
        ["APP_UNINSTALLED"] = "app/uninstalled",
    };

    /// <summary>The REST topic of a GraphQL <c>WebhookSubscriptionTopic</c>: <c>ORDERS_CREATE</c> → <c>orders/create</c>.</summary>
    public static string RestTopic(string topic)
    {
        if (Topics.TryGetValue(topic, out var known))
        {
            return known;
        }

        var last = topic.LastIndexOf('_');
        return last <= 0 ? topic.ToLowerInvariant() : topic[..last].ToLowerInvariant() + "/" + topic[(last + 1)..].ToLowerInvariant();
    }

    /// <summary>The <c>orders/*</c> payload: the REST Admin API's order resource (the fields connectors.md §3.2 lists, and a few more).</summary>
    public static byte[] OrderPayload(ShopifyOrder order, TimeSpan offset)
    {
        string Time(DateTimeOffset t) => ShopifyFormat.RestTime(t, offset);
        var subtotal = order.LineItems.Sum(l => l.Price * l.Quantity);
        var json = new JsonObject
        {
            ["id"] = order.Id,
            ["admin_graphql_api_id"] = order.GraphqlId,
            ["name"] = order.Name,
            ["order_number"] = order.OrderNumber,
            ["number"] = order.OrderNumber - 1000,
            ["created_at"] = Time(order.CreatedAt),
            ["updated_at"] = Time(order.UpdatedAt),
            ["processed_at"] = Time(order.CreatedAt),
            ["cancelled_at"] = order.CancelledAt is { } cancelled ? Time(cancelled) : null,
            ["cancel_reason"] = order.CancelReason,
            ["closed_at"] = null,
            ["financial_status"] = order.FinancialStatus,
            ["fulfillment_status"] = order.FulfillmentStatus,
            ["currency"] = order.Currency,
            ["presentment_currency"] = order.Currency,
            ["subtotal_price"] = ShopifyFormat.Money(subtotal),
            ["total_price"] = ShopifyFormat.Money(subtotal),
            ["email"] = order.Email,
            ["contact_email"] = order.Email,
            ["test"] = false,
            ["customer"] = order.Customer is { } c ? new JsonObject
            {
                ["id"] = c.Id,
                ["email"] = c.Email,
                ["first_name"] = c.FirstName,
                ["last_name"] = c.LastName,
                ["admin_graphql_api_id"] = ShopifyGid.Of("Customer", c.Id),
            } : null,
            ["shipping_address"] = order.ShippingAddress is { } a ? new JsonObject
            {
                ["first_name"] = a.FirstName,
                ["last_name"] = a.LastName,
                ["name"] = string.Join(' ', new[] { a.FirstName, a.LastName }.Where(n => !string.IsNullOrEmpty(n))),
                ["company"] = a.Company,
                ["address1"] = a.Address1,
                ["address2"] = a.Address2,
                ["city"] = a.City,
                ["province"] = a.Province,
                ["zip"] = a.Zip,
                ["country"] = a.Country,
                ["country_code"] = a.CountryCode,
                ["phone"] = a.Phone,
            } : null,
            ["line_items"] = new JsonArray([.. order.LineItems.Select(l => (JsonNode)new JsonObject
            {
                ["id"] = l.Id,
                ["admin_graphql_api_id"] = ShopifyGid.Of("LineItem", l.Id),
                ["variant_id"] = l.VariantId,
                ["product_id"] = l.ProductId,
                ["sku"] = l.Sku,
                ["title"] = l.Title,
                ["name"] = l.Title,
                ["quantity"] = l.Quantity,
                ["current_quantity"] = l.Quantity,
                ["fulfillable_quantity"] = order.CancelledAt is null ? l.FulfillableQuantity : 0,
                ["price"] = ShopifyFormat.Money(l.Price),
                ["requires_shipping"] = true,
                ["fulfillment_status"] = order.FulfillmentStatus == "fulfilled" ? "fulfilled" : null,
            })]),
        };
        return JsonSerializer.SerializeToUtf8Bytes(json, ShopifyFormat.Json);
    }

    public static async Task<ShopifyWebhookDelivery> SendAsync(ShopifyWebhookRequest request, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        ShopifyWebhookDelivery Result(int? status, bool timedOut) => new(
            request.Shop, request.Topic, request.Target, request.WebhookId, request.EventId, request.TriggeredAt, request.ApiVersion,
            status, Stopwatch.GetElapsedTime(started), timedOut, request.SubscriptionId);

        if (!BcNotifier.IsAllowed(request.Target))
        {
            return Result(null, false);
        }

        using var content = new ByteArrayContent(request.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Target) { Content = content };
        var headers = message.Headers;
        headers.TryAddWithoutValidation("X-Shopify-Topic", request.Topic);
        headers.TryAddWithoutValidation("X-Shopify-Hmac-Sha256", SandboxState.SignShopifyWebhook(request.Body, request.Secret));
        headers.TryAddWithoutValidation("X-Shopify-Shop-Domain", request.Shop);
        headers.TryAddWithoutValidation("X-Shopify-API-Version", request.ApiVersion);
        headers.TryAddWithoutValidation("X-Shopify-Webhook-Id", request.WebhookId);
        headers.TryAddWithoutValidation("X-Shopify-Event-Id", request.EventId);
        headers.TryAddWithoutValidation("X-Shopify-Triggered-At", request.TriggeredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        headers.UserAgent.ParseAdd("Shopify-Captain-Hook");

        var answer = await Hosting.LoopbackPost.SendAsync(message, Timeout, readBody: false, ct);
        return Result(answer.Status, answer.TimedOut);
    }
}
