using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Tracktile;
using TracktileFunctions.Warehouse;

namespace TracktileFunctions.ShipHero;

/// <summary>
/// <c>shiphero-events</c> -> Tracktile. A <c>Shipment Update</c> moves the Tracktile shipment named by its
/// <c>partner_order_id</c> to the shipped status (<c>in_transit</c>) with the carrier, the tracking number and the lots
/// actually shipped, once per ShipHero shipment (a redelivery, the reconciliation's find of the same shipment, a replay:
/// all change nothing again). An <c>Inventory Update</c> is compared with Tracktile's lot totals of the nodes that
/// warehouse runs; a difference is recorded for an operator (<see cref="StockDifferences"/>), never written either way.
/// </summary>
public sealed class ShipHeroEventConsumer(
    TracktileClient tracktile, ProductSkuIndex skus, SyncStateStore state, StockDifferences differences, IOptions<ShipHeroOptions> options,
    IOptions<TracktileClientOptions> tracktileOptions) : IEventConsumer
{
    private readonly TracktileClientOptions _api = tracktileOptions.Value;

    /// <summary>The state scope of applied ShipHero shipments.</summary>
    public const string Scope = "shiphero-shipment";

    private readonly ShipHeroOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "shiphero-events";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        return evt.Kind switch
        {
            "Shipment Update" => ShippedAsync(evt, cancellationToken),
            "Inventory Update" => InventoryAsync(evt.Payload, cancellationToken),
            _ => Task.FromResult($"ignored: webhook type {evt.Kind}"),
        };
    }

    private async Task<string> ShippedAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        if (!evt.Payload.TryGetProperty("fulfillment", out var f) || f.ValueKind != JsonValueKind.Object)
        {
            throw new PermanentProcessingException("Shipment Update has no fulfillment");
        }

        var shipmentId = Text(f, "shipment_id") ?? throw new PermanentProcessingException("Shipment Update has no fulfillment.shipment_id");
        var tracktileShipment = Text(f, "partner_order_id");
        if (Text(f, "shop_name") is { } shop && shop != _options.ShopName)
        {
            return $"skipped: ShipHero shipment {shipmentId} is for shop {shop}, not {_options.ShopName}";
        }

        if (tracktileShipment is null)
        {
            return $"skipped: ShipHero shipment {shipmentId} is for order {Text(f, "order_number") ?? "?"}, which this app did not send (no partner_order_id)";
        }

        var sent = await state.GetAsync(WarehouseShipmentConsumer.Scope, $"shiphero/{tracktileShipment}", cancellationToken).ConfigureAwait(false);
        if (sent?.TargetId is null)
        {
            return $"skipped: ShipHero shipment {shipmentId} is for partner order {tracktileShipment}, which this app did not send";
        }

        return await state.UnderLockAsync(Scope, shipmentId, $"{Name}/{evt.EventId}", async record =>
        {
            if (record.Status == "applied")
            {
                return (null, $"unchanged: ShipHero shipment {shipmentId} was applied to Tracktile shipment {record.TargetId}");
            }

            var lots = new List<object>();
            if (f.TryGetProperty("line_items", out var lines) && lines.ValueKind == JsonValueKind.Array)
            {
                foreach (var line in lines.EnumerateArray())
                {
                    var sku = Text(line, "sku");
                    var lot = Text(line, "lot_name");
                    if (sku is null || lot is null)
                    {
                        continue;
                    }

                    var productId = await skus.ProductOfAsync(sku, cancellationToken).ConfigureAwait(false);
                    var quantity = line.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetDecimal() : 0;
                    lots.Add(new { productId, sku, lotCode = lot, quantity });
                }
            }

            var fields = _api.ShipmentFields;
            var changes = new Dictionary<string, object?>
            {
                [fields.Status] = _options.Orders.ShippedStatus,
                [fields.Carrier] = Text(f, "shipping_carrier"),
                [fields.TrackingNumber] = Text(f, "tracking_number"),
                [fields.ShippedLots] = lots,
            };
            await tracktile.UpdateShipmentAsync(tracktileShipment, changes, cancellationToken).ConfigureAwait(false);
            record.TargetId = tracktileShipment;
            record.Status = "applied";
            return (record, $"Tracktile shipment {tracktileShipment} {_options.Orders.ShippedStatus} ({changes[fields.Carrier] ?? "-"} {changes[fields.TrackingNumber] ?? "-"}, {lots.Count} lots)");
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> InventoryAsync(JsonElement payload, CancellationToken cancellationToken)
    {
        if (!payload.TryGetProperty("inventory", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new PermanentProcessingException("Inventory Update has no inventory array");
        }

        var compared = 0;
        var different = 0;
        foreach (var item in items.EnumerateArray())
        {
            var sku = Text(item, "sku");
            if (sku is null || !item.TryGetProperty("updated_warehouse", out var w) || w.ValueKind != JsonValueKind.Object
                || Text(w, "warehouse_id") is not { } warehouseId)
            {
                continue;
            }

            var nodes = _options.Warehouses.Where(x => x.WarehouseId == warehouseId || x.WarehouseId == Text(w, "warehouse_uuid")).Select(x => x.Node).ToHashSet(StringComparer.Ordinal);
            if (nodes.Count == 0 || await skus.ProductOfAsync(sku, cancellationToken).ConfigureAwait(false) is not { } productId)
            {
                continue; // a warehouse or a SKU this app does not mirror
            }

            var onHand = Number(w, "on_hand") ?? Number(item, "on_hand") ?? 0;
            var lots = await tracktile.ListInventoryEntitiesAsync(productId, cancellationToken).ConfigureAwait(false);
            var total = lots.Where(l => NodeOf(l) is { } node && nodes.Contains(node)).Sum(l => Number(l, "quantity") ?? 0);
            await differences.RecordAsync("shiphero", sku, warehouseId, onHand, total, cancellationToken).ConfigureAwait(false);
            compared++;
            different += onHand == total ? 0 : 1;
        }

        return $"compared {compared} SKU-warehouses with Tracktile: {different} differ (recorded in {StockDifferences.TableName})";
    }

    private static string? NodeOf(JsonElement lot)
        => lot.TryGetProperty("node", out var n) && n.ValueKind == JsonValueKind.Object ? Text(n, "id") : Text(lot, "nodeId");

    private static decimal? Number(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.Number ? value.GetDecimal()
            : value.ValueKind == JsonValueKind.String && decimal.TryParse(value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) ? parsed : null
            : null;

    private static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && value.ToString() is { Length: > 0 } text ? text : null;
}
