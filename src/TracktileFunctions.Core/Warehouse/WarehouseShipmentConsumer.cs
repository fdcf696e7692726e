using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Warehouse;

/// <summary>
/// Tracktile shipment events -> the warehouse: a shipment that becomes ready (its kind or status, settings) becomes
/// one WMS order with its lines, SKUs, lots and ship-to; a cancelled one cancels it. The events of one shipment are
/// applied one at a time under its lock, and the WMS is asked for an order with the shipment's id before any create,
/// so two events, a redelivery or a replay never make a second order.
/// </summary>
public sealed class WarehouseShipmentConsumer(
    IWarehouse warehouse, WarehouseOrderOptions options, TracktileClient tracktile, ProductSkuIndex skus, SyncStateStore state,
    IOptions<TracktileClientOptions> tracktileOptions, TimeProvider timeProvider) : IEventConsumer
{
    /// <summary>The state scope (table partition) of warehouse orders.</summary>
    public const string Scope = "warehouse-order";

    private const string SentMark = "create-sent:";

    private readonly TracktileClientOptions _api = tracktileOptions.Value;

    /// <inheritdoc />
    public string Name => $"{warehouse.Name}-shipments";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var shipmentId = evt.RequiredString("shipmentId");
        var status = evt.OptionalString("currentShipmentStatus");
        var ready = options.ReadyKinds.Contains(evt.Kind, StringComparer.Ordinal)
            || (evt.Kind == "shipment.status.changed" && status is not null && options.ReadyStatuses.Contains(status, StringComparer.Ordinal));
        var cancelled = status == options.CancelledStatus || evt.Kind == "shipment.deleted";
        if (!ready && !cancelled)
        {
            return Task.FromResult($"ignored: {evt.Kind}{(status is null ? "" : $" ({status})")} does not ready or cancel a shipment for {warehouse.Name}");
        }

        return state.UnderLockAsync(Scope, $"{warehouse.Name}/{shipmentId}", $"{Name}/{evt.EventId}", async record =>
        {
            if (cancelled)
            {
                if (record.Status == "cancelled")
                {
                    return (null, $"unchanged: shipment {shipmentId} already cancelled in {warehouse.Name}");
                }

                var outcome = await warehouse.CancelOrderAsync(shipmentId, cancellationToken).ConfigureAwait(false);
                record.Status = "cancelled";
                return (record, outcome);
            }

            if (record.TargetId is not null || record.Status == "cancelled")
            {
                return (null, $"unchanged: shipment {shipmentId} is {warehouse.Name} order {record.TargetId ?? "(cancelled)"}");
            }

            var order = await OrderAsync(evt, shipmentId, cancellationToken).ConfigureAwait(false);
            var sentAt = record.Hash is { } mark && mark.StartsWith(SentMark, StringComparison.Ordinal)
                && DateTimeOffset.TryParse(mark[SentMark.Length..], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : (DateTimeOffset?)null;
            var now = timeProvider.GetUtcNow();
            var settling = sentAt is { } sent && now - sent < TimeSpan.FromSeconds(options.SettleSeconds);
            if (!settling)
            {
                // Marked before it is sent, so a create whose answer is lost is known to be out there. While it settles
                // the mark keeps the time it was really sent: a look-up alone must not push the next send further away.
                record.Hash = SentMark + now.ToString("O", CultureInfo.InvariantCulture);
                await state.CheckpointAsync(record).ConfigureAwait(false);
            }

            var made = await warehouse.CreateOrderOnceAsync(order, settling, cancellationToken).ConfigureAwait(false);
            record.TargetId = made.OrderId;
            record.Hash = null;
            record.Status = "sent";
            return (record, made.Existed ? $"found {warehouse.Name} order {made.OrderId} made earlier" : $"created {warehouse.Name} order {made.OrderId} ({order.Lines.Count} lines)");
        }, cancellationToken);
    }

    private async Task<WarehouseOrder> OrderAsync(WebhookEventReceived evt, string shipmentId, CancellationToken cancellationToken)
    {
        var shipment = await tracktile.GetShipmentAsync(shipmentId, cancellationToken).ConfigureAwait(false);
        var orderId = evt.OptionalString("shipmentOrderId") ?? Text(shipment, _api.ShipmentOrderIdProperty);
        var lines = new List<WarehouseOrderLine>();
        if (!shipment.TryGetProperty(_api.ShipmentItemsProperty, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw new PermanentProcessingException($"shipment {shipmentId} has no '{_api.ShipmentItemsProperty}' array (Tracktile:Api:ShipmentItemsProperty)");
        }

        var n = 0;
        foreach (var item in items.EnumerateArray())
        {
            n++;
            var productId = Text(item, "productId") ?? throw new PermanentProcessingException($"shipment {shipmentId} line {n} has no productId");
            var sku = await skus.SkuOfAsync(productId, cancellationToken).ConfigureAwait(false)
                ?? throw new NotReadyException($"product {productId} of shipment {shipmentId} has no SKU in the product index yet (the product batch fills it)");
            var quantity = item.TryGetProperty("quantity", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetDecimal() : 0;
            if (quantity <= 0 || quantity != decimal.Truncate(quantity))
            {
                throw new PermanentProcessingException($"shipment {shipmentId} line {n} ({sku}): quantity {quantity} is not a positive whole number");
            }

            var lots = item.TryGetProperty("lotCodes", out var l) && l.ValueKind == JsonValueKind.Array
                ? [.. l.EnumerateArray().Select(x => x.GetString()).OfType<string>()]
                : new List<string>();
            lines.Add(new WarehouseOrderLine($"{shipmentId}-{n}", sku, (int)quantity, null, lots));
        }

        if (lines.Count == 0)
        {
            throw new PermanentProcessingException($"shipment {shipmentId} has no lines");
        }

        WarehouseAddress? shipTo = null;
        string? email = null;
        if (orderId is not null)
        {
            var order = await tracktile.GetOrderJsonAsync(orderId, cancellationToken).ConfigureAwait(false);
            if (order.TryGetProperty(_api.OrderShippingAddressProperty, out var a) && a.ValueKind == JsonValueKind.Object)
            {
                shipTo = new WarehouseAddress(Text(a, "name"), Text(a, "company"), Text(a, "address1"), Text(a, "address2"), Text(a, "city"), Text(a, "state"),
                    Text(a, "zip"), Text(a, "country"), Text(a, "phone"));
                email = Text(a, "email");
            }
        }

        if (shipTo?.Address1 is null)
        {
            throw new PermanentProcessingException(
                $"shipment {shipmentId}: its order {orderId ?? "(none)"} has no ship-to address ('{_api.OrderShippingAddressProperty}' with address1, Tracktile:Api:OrderShippingAddressProperty), which a warehouse order needs");
        }

        var number = options.OrderNumberPrefix + (evt.OptionalString("shipmentShortId") ?? Text(shipment, "shortId") ?? shipmentId);
        return new WarehouseOrder(shipmentId, number, evt.EffectiveTime(), shipTo, email, lines);
    }

    private static string? Text(JsonElement element, string name)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && value.ToString() is { Length: > 0 } text
            ? text.ToString(CultureInfo.InvariantCulture)
            : null;
}
