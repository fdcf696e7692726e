using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// ShipHero says webhooks are not guaranteed: every 10 minutes the shipments made since the last run (less an overlap)
/// are queued as <c>Shipment Update</c> events through the same consumer, which applies each ShipHero shipment once
/// however it arrives. The watermark moves to the run's start only after the whole run is queued.
/// </summary>
public sealed partial class ShipHeroReconciliation(
    ShipHeroClient shiphero, EventPublisher publisher, SyncStateStore state, IOptions<ShipHeroOptions> options, TimeProvider timeProvider,
    ILogger<ShipHeroReconciliation> logger)
{
    /// <summary>The state scope of the watermark.</summary>
    public const string Scope = "shiphero-reconcile";

    /// <summary>Runs once; null when ShipHero is off.</summary>
    public async Task<int?> RunAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            return null;
        }

        var started = timeProvider.GetUtcNow();
        var record = await state.GetAsync(Scope, "shipments", cancellationToken).ConfigureAwait(false);
        var since = record?.AppliedEventTime is { } last ? last - TimeSpan.FromSeconds(o.ReconcileOverlapSeconds) : started - TimeSpan.FromMinutes(o.ReconcileInitialMinutes);
        var queued = 0;
        string? after = null;
        do
        {
            var data = await shiphero.ExecuteAsync(ShipHeroDocuments.ShipmentsSince, new JsonObject
            {
                ["from"] = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["after"] = after,
            }, cancellationToken).ConfigureAwait(false);
            var shipments = data.GetProperty("shipments");
            foreach (var node in ShipHeroWarehouse.Edges(shipments))
            {
                JsonObject? payload;
                try
                {
                    payload = AsWebhook(node, o.ShopName);
                }
                catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
                {
                    LogUnreadable(node.TryGetProperty("id", out var bad) ? bad.ToString() : "?", ex.Message);
                    continue; // one odd shipment never stops the run
                }

                if (payload is null)
                {
                    continue; // not one of this app's orders
                }

                var id = $"reconcile:shipment:{payload["fulfillment"]!["shipment_id"]}";
                await publisher.PublishAsync([QueueNames.ShipHeroEvents], ShipHeroWebhook.Source, new EventEnvelope(id, "Shipment Update", null), started,
                    JsonSerializer.SerializeToUtf8Bytes(payload), cancellationToken).ConfigureAwait(false);
                queued++;
            }

            var info = shipments.GetProperty("data").GetProperty("pageInfo");
            after = info.GetProperty("hasNextPage").GetBoolean() ? info.GetProperty("endCursor").GetString() : null;
        }
        while (after is not null);

        var next = record ?? new SyncRecord(Scope, "shipments");
        next.AppliedEventTime = started;
        await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false);
        LogRun(since, queued);
        return queued;
    }

    /// <summary>A shipment node in the shape of the Shipment Update webhook's body (the fields the consumer reads).</summary>
    internal static JsonObject? AsWebhook(JsonElement node, string shopName)
    {
        var partner = node.TryGetProperty("order", out var order) && order.ValueKind == JsonValueKind.Object
            && order.TryGetProperty("partner_order_id", out var p) && p.GetString() is { Length: > 0 } text ? text : null;
        if (partner is null || (order.TryGetProperty("shop_name", out var shop) && shop.GetString() is { } name && name != shopName))
        {
            return null;
        }

        var label = node.TryGetProperty("shipping_labels", out var labels) && labels.ValueKind == JsonValueKind.Array && labels.GetArrayLength() > 0 ? labels[0] : default;
        var lines = new JsonArray();
        foreach (var item in node.GetProperty("line_items").GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("node")))
        {
            var sku = item.GetProperty("line_item").GetProperty("sku").GetString();
            if (item.TryGetProperty("lots", out var lots) && lots.ValueKind == JsonValueKind.Array && lots.GetArrayLength() > 0)
            {
                foreach (var lot in lots.EnumerateArray())
                {
                    lines.Add(new JsonObject
                    {
                        ["sku"] = sku, ["lot_name"] = lot.GetProperty("lot_name").GetString(),
                        ["quantity"] = lot.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetInt32() : item.GetProperty("quantity").GetInt32(),
                    });
                }
            }
            else
            {
                lines.Add(new JsonObject { ["sku"] = sku, ["quantity"] = item.GetProperty("quantity").GetInt32() });
            }
        }

        return new JsonObject
        {
            ["webhook_type"] = "Shipment Update",
            ["fulfillment"] = new JsonObject
            {
                ["shipment_id"] = node.GetProperty("legacy_id").ToString(),
                ["partner_order_id"] = partner,
                ["shop_name"] = shopName,
                ["order_number"] = order.TryGetProperty("order_number", out var n) ? n.GetString() : null,
                ["tracking_number"] = label.ValueKind == JsonValueKind.Object && label.TryGetProperty("tracking_number", out var t) ? t.GetString() : null,
                ["shipping_carrier"] = label.ValueKind == JsonValueKind.Object && label.TryGetProperty("carrier", out var c) ? c.GetString() : null,
                ["line_items"] = lines,
            },
        };
    }

    [LoggerMessage(LogLevel.Warning, "ShipHero reconciliation skipped shipment {ShipmentId}: {Reason}")]
    private partial void LogUnreadable(string shipmentId, string reason);

    [LoggerMessage(LogLevel.Information, "ShipHero reconciliation: {Queued} shipments since {Since:O} queued")]
    private partial void LogRun(DateTimeOffset since, int queued);
}
