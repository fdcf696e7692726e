using System.Globalization;
using System.Text.Json;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Accounting;

/// <summary>
/// Tracktile's <c>order.status.changed</c> (and, when configured, <c>shipment.status.changed</c>) -> one ledger invoice
/// per order, ever. The order reaching <see cref="InvoiceOptions.OrderStatus"/> (or a shipment of it reaching
/// <see cref="InvoiceOptions.ShipmentStatus"/>) invoices it from the order as Tracktile returns it, with the lots shipped
/// in the invoice's note; the order cancelled afterwards voids the invoice. The events of one order are applied one at a
/// time under its lock, the record keeps the invoice's id, and an event older than the last applied one changes nothing.
/// A redelivery, a replay or a second shipment finds the record and changes nothing; a lost answer is settled by the
/// ledger, which looks its invoice up before it creates (and QuickBooks replays a repeated <c>requestid</c>).
/// </summary>
/// <param name="name">The consumer's name (its ledger partition), e.g. <c>quickbooks-invoices</c>.</param>
/// <param name="scope">The sync state scope of the invoiced orders, e.g. <c>quickbooks-invoice</c>.</param>
/// <param name="ledger">The ledger.</param>
/// <param name="tracktile">Tracktile's API (orders, shipments).</param>
/// <param name="state">Sync state.</param>
/// <param name="options">When to invoice and void.</param>
/// <param name="api">Tracktile's undocumented field names.</param>
public sealed class InvoiceConsumer(
    string name, string scope, ILedger ledger, TracktileClient tracktile, SyncStateStore state, InvoiceOptions options, TracktileClientOptions api) : IEventConsumer
{
    private const string Invoiced = "invoiced";
    private const string Voided = "voided";
    private const string CancelledUninvoiced = "cancelled";

    /// <inheritdoc />
    public string Name => name;

    /// <summary>The sync state scope of invoiced orders (an invoice's record is found by its id there).</summary>
    public string Scope => scope;

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        switch (evt.Kind)
        {
            case "order.status.changed":
                var orderId = evt.RequiredString("orderId");
                var status = evt.RequiredString("currentOrderStatus");
                if (status == options.CancelledStatus)
                {
                    return await UnderLockAsync(evt, orderId, record => CancelAsync(orderId, record, cancellationToken), cancellationToken).ConfigureAwait(false);
                }

                return options.Trigger == InvoiceTrigger.OrderStatus && status == options.OrderStatus
                    ? await UnderLockAsync(evt, orderId, record => InvoiceAsync(evt, orderId, null, record, cancellationToken), cancellationToken).ConfigureAwait(false)
                    : $"ignored: order {orderId} status {status} neither invoices nor voids";

            case "shipment.status.changed" when options.Trigger == InvoiceTrigger.ShipmentStatus:
                var shipmentId = evt.RequiredString("shipmentId");
                var shipmentStatus = evt.RequiredString("currentShipmentStatus");
                if (shipmentStatus != options.ShipmentStatus)
                {
                    return $"ignored: shipment {shipmentId} status {shipmentStatus} does not invoice";
                }

                var shipment = await tracktile.GetShipmentAsync(shipmentId, cancellationToken).ConfigureAwait(false);
                var shipmentOrder = Text(shipment, api.ShipmentOrderIdProperty)
                    ?? throw new NotReadyException($"shipment {shipmentId} as Tracktile returns it names no order ('{api.ShipmentOrderIdProperty}')");
                return await UnderLockAsync(evt, shipmentOrder, record => InvoiceAsync(evt, shipmentOrder, shipment, record, cancellationToken), cancellationToken)
                    .ConfigureAwait(false);

            default:
                return $"ignored: {evt.Kind} does not invoice (Invoices:Trigger is {options.Trigger})";
        }
    }

    private Task<string> UnderLockAsync(WebhookEventReceived evt, string orderId, Func<SyncRecord, Task<(SyncRecord? Next, string Outcome)>> apply, CancellationToken cancellationToken)
        => state.UnderLockAsync(scope, orderId, $"{name}/{evt.EventId}", async record =>
        {
            var time = evt.EffectiveTime();
            if (record.IsNewerThan(time))
            {
                return (null, $"stale: {evt.Kind} at {time:O} is older than the last applied event ({record.Status} at {record.AppliedEventTime:O})");
            }

            var (next, outcome) = await apply(record).ConfigureAwait(false);
            if (next is not null)
            {
                next.AppliedEventTime = time;
                next.AppliedEventId = evt.EventId;
            }

            return (next, outcome);
        }, cancellationToken);

    private async Task<(SyncRecord? Next, string Outcome)> InvoiceAsync(
        WebhookEventReceived evt, string orderId, JsonElement? shipment, SyncRecord record, CancellationToken cancellationToken)
    {
        if (record.TargetId is { } existing)
        {
            return (null, $"unchanged: order {orderId} has invoice {existing} in {ledger.Name} ({record.Status})");
        }

        var orderJson = await tracktile.GetOrderJsonAsync(orderId, cancellationToken).ConfigureAwait(false);
        TracktileOrder order;
        try
        {
            order = orderJson.Deserialize<TracktileOrder>(Http.JsonHttp.Options) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new PermanentProcessingException($"order {orderId} as Tracktile returns it is not an order ({ex.Message})", ex);
        }

        if (order.CurrentStatus(api.OrderStatusProperty) == options.CancelledStatus)
        {
            // A cancellation at the same second, or a delivery after it: Tracktile's current status decides.
            record.Status = CancelledUninvoiced;
            return (record, $"not invoiced: order {orderId} is {options.CancelledStatus} in Tracktile");
        }

        var invoice = ToInvoice(order, orderJson, shipment, DateOnly.FromDateTime(evt.EffectiveTime().UtcDateTime));
        var result = await ledger.CreateInvoiceAsync(invoice, cancellationToken).ConfigureAwait(false);
        record.TargetId = result.InvoiceId;
        record.Status = Invoiced;
        return (record, $"{(result.Existed ? "found" : "created")} {ledger.Name} invoice {result.InvoiceId} for order {orderId}: {result.Detail}");
    }

    private async Task<(SyncRecord? Next, string Outcome)> CancelAsync(string orderId, SyncRecord record, CancellationToken cancellationToken)
    {
        if (record.TargetId is not { } invoiceId)
        {
            record.Status = CancelledUninvoiced;
            return (record, $"not invoiced: order {orderId} was cancelled before it was invoiced");
        }

        if (record.Status == Voided)
        {
            return (null, $"unchanged: invoice {invoiceId} of order {orderId} is already voided");
        }

        if (!options.VoidOnCancel)
        {
            return (null, $"kept: invoice {invoiceId} of cancelled order {orderId} (Invoices:VoidOnCancel is off)");
        }

        var outcome = await ledger.VoidInvoiceAsync(invoiceId, orderId, cancellationToken).ConfigureAwait(false);
        record.Status = Voided;
        return (record, outcome);
    }

    /// <summary>The invoice of <paramref name="order"/>: its lines, its customer, and the lots of its lines and of the shipment that triggered it.</summary>
    internal LedgerInvoice ToInvoice(TracktileOrder order, JsonElement orderJson, JsonElement? shipment, DateOnly date)
    {
        ArgumentNullException.ThrowIfNull(order);
        var shortId = order.ShortId is { Length: > 0 } s ? s : throw new PermanentProcessingException($"order {order.Id} has no shortId to number its invoice by");
        var customer = order.CustomerId is { Length: > 0 } c ? c : throw new PermanentProcessingException($"order {order.Id} has no customerId to invoice");
        if (order.OrderItems.Count == 0)
        {
            throw new PermanentProcessingException($"order {order.Id} has no orderItems to invoice");
        }

        var lines = order.OrderItems.Select(item => new LedgerInvoiceLine(
            item.ProductId,
            item.Quantity,
            item.Price ?? throw new PermanentProcessingException($"order {order.Id}: the line of product {item.ProductId} has no price"))).ToList();

        var lots = new SortedSet<string>(StringComparer.Ordinal);
        AddLots(lots, orderJson, "orderItems");
        if (shipment is { } shipped)
        {
            AddLots(lots, shipped, api.ShipmentItemsProperty);
            if (shipped.TryGetProperty(api.ShipmentFields.ShippedLots, out var shippedLots) && shippedLots.ValueKind == JsonValueKind.Array)
            {
                foreach (var lot in shippedLots.EnumerateArray())
                {
                    if (Text(lot, "lotCode") is { } code)
                    {
                        lots.Add(code);
                    }
                }
            }
        }

        return new LedgerInvoice(order.Id, options.DocNumberPrefix + shortId, customer, date,
            options.DueDays is { } days ? date.AddDays(days) : null, order.Currency, lines, [.. lots]);
    }

    private void AddLots(SortedSet<string> lots, JsonElement owner, string linesProperty)
    {
        if (owner.ValueKind != JsonValueKind.Object || !owner.TryGetProperty(linesProperty, out var lines) || lines.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var line in lines.EnumerateArray())
        {
            if (line.ValueKind == JsonValueKind.Object && line.TryGetProperty(options.LineLotCodesProperty, out var codes) && codes.ValueKind == JsonValueKind.Array)
            {
                foreach (var code in codes.EnumerateArray())
                {
                    if (code.ValueKind == JsonValueKind.String && code.GetString() is { Length: > 0 } text)
                    {
                        lots.Add(text);
                    }
                }
            }
        }
    }

    private static string? Text(JsonElement element, string property)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            && value.ToString() is { Length: > 0 } text ? text : null;

    /// <summary>The date as the ledger's APIs write it.</summary>
    internal static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
