using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.Sandbox.BusinessCentral;

namespace TracktileFunctions.Sandbox.ShipHero;

/// <summary>
/// ShipHero's webhook deliveries (https://developer.shiphero.com/webhooks): a JSON POST signed in
/// <c>X-ShipHero-HMAC-SHA256</c> (base64 HMAC-SHA256 of the raw body keyed with the webhook's shared secret), with a
/// per-message <c>X-Shiphero-Message-ID</c> kept on retries. ShipHero waits 10 s for
/// <c>{"code":"200","Status":"Success"}</c> and retries 5 times per trigger. Only loopback targets are called.
/// </summary>
internal static class ShipHeroWebhookSender
{
    public const string SignatureHeader = "X-ShipHero-HMAC-SHA256";
    public const string MessageIdHeader = "X-Shiphero-Message-ID";

    /// <summary>Sends <paramref name="body"/> to every webhook named <paramref name="name"/> of the shop, each retried until acknowledged.</summary>
    public static async Task<IReadOnlyList<ShipHeroWebhookDelivery>> DeliverAsync(SandboxState state, string name, string? shopName, JsonObject body, CancellationToken ct)
    {
        var deliveries = new List<ShipHeroWebhookDelivery>();
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        foreach (var webhook in state.ShipHeroWebhooksFor(name, shopName))
        {
            if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var target))
            {
                continue;
            }

            var messageId = Guid.NewGuid().ToString();
            for (var attempt = 1; attempt <= 1 + SandboxState.ShipHeroWebhookRetries; attempt++)
            {
                if (attempt > 1)
                {
                    await Task.Delay(state.ShipHeroWebhookRetryDelay, ct);
                }

                var delivery = await PostAsync(state, name, webhook.Id, target, bytes, messageId, webhook.SharedSignatureSecret, attempt, ct);
                deliveries.Add(delivery);
                if (delivery.Acknowledged)
                {
                    break;
                }
            }
        }

        return deliveries;
    }

    /// <summary>One POST, recorded.</summary>
    public static async Task<ShipHeroWebhookDelivery> PostAsync(
        SandboxState state, string name, string? webhookId, Uri target, byte[] body, string messageId, string? secret, int attempt, CancellationToken ct)
    {
        var sentAt = state.TimeProvider.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var text = Encoding.UTF8.GetString(body);
        ShipHeroWebhookDelivery Result(int? status, string? answer, bool timedOut)
        {
            var delivery = new ShipHeroWebhookDelivery(
                name, webhookId, target, messageId, attempt, text, status, answer, status == 200 && IsAcknowledgement(answer), timedOut,
                Stopwatch.GetElapsedTime(started), sentAt);
            state.RecordShipHeroDelivery(delivery);
            return delivery;
        }

        if (!BcNotifier.IsAllowed(target))
        {
            return Result(null, null, false);
        }

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, target) { Content = content };
        if (secret is not null)
        {
            message.Headers.TryAddWithoutValidation(SignatureHeader, SandboxState.SignShipHeroWebhook(body, secret));
        }

        message.Headers.TryAddWithoutValidation(MessageIdHeader, messageId);
        message.Headers.UserAgent.ParseAdd("ShipHero-Webhooks/1.0");

        var answer = await Hosting.LoopbackPost.SendAsync(message, state.ShipHeroWebhookTimeout, readBody: true, ct);
        return Result(answer.Status, answer.Body, answer.TimedOut);
    }

    /// <summary>
    /// ShipHero's acknowledgement: <c>{"code":"200","Status":"Success"}</c> (the webhooks overview). The per-webhook
    /// pages show <c>"Message": "Success"</c> instead, so either key is accepted; <c>code</c> as a string or a number.
    /// </summary>
    public static bool IsAcknowledgement(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        try
        {
            if (JsonNode.Parse(body) is not JsonObject answer)
            {
                return false;
            }

            var code = answer["code"] is JsonValue c
                       && ((c.TryGetValue<string>(out var s) && s == "200") || (c.TryGetValue<int>(out var n) && n == 200));
            var success = Text(answer["Status"]) == "Success" || Text(answer["Message"]) == "Success";
            return code && success;
        }
        catch (JsonException)
        {
            return false;
        }

        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    /// <summary>The Shipment Update body (https://developer.shiphero.com/webhooks/shipment-update-webhook), one entry per shipped lot.</summary>
    public static JsonObject ShipmentUpdateBody(SandboxState state, ShipHeroOrder order, ShipHeroShipment shipment)
    {
        var warehouse = SandboxState.FindShipHeroWarehouse(shipment.WarehouseId)!;
        JsonArray Lines() => new([.. shipment.LineItems.Select(l => (JsonNode)new JsonObject
        {
            ["id"] = l.PartnerLineItemId,
            ["shiphero_id"] = l.LineItemLegacyId,
            ["quantity"] = l.Quantity,
            ["sku"] = l.Sku,
            ["serial_numbers"] = new JsonArray(),
            ["customs_description"] = string.Empty,
            ["package"] = "Package #1",
            ["lot_id"] = l.LotId,
            ["lot_name"] = l.LotName,
            ["lot_expiration"] = l.LotExpiration?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        })]);
        var trackingUrl = TrackingUrl(shipment.Carrier, shipment.TrackingNumber);
        return new JsonObject
        {
            ["test"] = "0",
            ["webhook_type"] = "Shipment Update",
            ["fulfillment"] = new JsonObject
            {
                ["shipment_id"] = shipment.LegacyId,
                ["shipment_uuid"] = shipment.Id,
                ["warehouse"] = warehouse.Identifier,
                ["warehouse_id"] = warehouse.LegacyId,
                ["warehouse_uuid"] = warehouse.Id,
                ["webhook_type"] = "Shipment Update",
                ["order_id"] = order.LegacyId,
                ["order_uuid"] = order.Id,
                ["partner_order_id"] = order.PartnerOrderId,
                ["order_number"] = order.OrderNumber,
                ["shop_name"] = order.ShopName,
                ["tracking_number"] = shipment.TrackingNumber,
                ["line_items"] = Lines(),
                ["custom_tracking_url"] = string.Empty,
                ["package_number"] = 1,
                ["total_packages"] = 1,
                ["shipping_method"] = shipment.ShippingMethod,
                ["shipping_carrier"] = shipment.Carrier,
                ["tracking_url"] = trackingUrl,
                ["created_at"] = ShipHeroFormat.Time(shipment.CreatedDate),
                ["packages"] = new JsonArray(new JsonObject
                {
                    ["name"] = "Package #1",
                    ["weight_in_oz"] = 16,
                    ["width"] = 10,
                    ["length"] = 10,
                    ["height"] = 10,
                    ["line_items"] = Lines(),
                    ["shipping_carrier"] = shipment.Carrier,
                    ["shipping_method"] = shipment.ShippingMethod,
                    ["tracking_number"] = shipment.TrackingNumber,
                    ["tracking_url"] = trackingUrl,
                    ["label_cost"] = "0.00",
                }),
            },
        };
    }

    /// <summary>The Inventory Update body (https://developer.shiphero.com/webhooks/inventory-update-webhook): quantities as strings, as in the sample.</summary>
    public static JsonObject InventoryUpdateBody(SandboxState state, string sku, ShipHeroWarehouse warehouse)
    {
        var stock = state.ShipHeroStock().Where(s => s.Sku == sku).ToList();
        var onHand = stock.Sum(s => s.OnHand);
        var allocated = stock.Sum(s => state.ShipHeroAllocated(sku, s.Warehouse.LegacyId));
        var here = stock.Find(s => s.Warehouse.LegacyId == warehouse.LegacyId).OnHand;
        var allocatedHere = state.ShipHeroAllocated(sku, warehouse.LegacyId);
        static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["account_id"] = SandboxState.ShipHeroAccountLegacyId,
            ["account_uuid"] = ShipHeroId.Of("Account", SandboxState.ShipHeroAccountLegacyId),
            ["webhook_type"] = "Inventory Update",
            ["inventory"] = new JsonArray(new JsonObject
            {
                ["sku"] = sku,
                ["inventory"] = N(Math.Max(0, onHand - allocated)),
                ["backorder_quantity"] = "0",
                ["on_hand"] = N(onHand),
                ["virtual"] = false,
                ["sell_ahead"] = 0,
                ["qty_in_totes"] = 0,
                ["reserve"] = 0,
                ["updated_warehouse"] = new JsonObject
                {
                    ["warehouse_id"] = warehouse.LegacyId,
                    ["warehouse_uuid"] = warehouse.Id,
                    ["identifier"] = warehouse.Identifier,
                    ["inventory"] = N(Math.Max(0, here - allocatedHere)),
                    ["backorder_quantity"] = "0",
                    ["on_hand"] = N(here),
                    ["sell_ahead"] = 0,
                    ["qty_in_totes"] = 0,
                    ["reserve"] = 0,
                    ["non_sellable"] = 0,
                },
                ["non_sellable"] = 0,
            }),
        };
    }

    public static string TrackingUrl(string carrier, string tracking)
        => carrier.Equals("UPS", StringComparison.OrdinalIgnoreCase)
            ? "https://www.ups.com/track?tracknum=" + Uri.EscapeDataString(tracking)
            : "https://tracking.example/" + Uri.EscapeDataString(carrier) + "/" + Uri.EscapeDataString(tracking);
}

/// <summary>How the fake writes ShipHero's <c>ISODateTime</c>: UTC with an explicit offset, <c>2026-01-15T10:30:00+00:00</c> (graphene's form).</summary>
internal static class ShipHeroFormat
{
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture);
}
