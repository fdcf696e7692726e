using System.Globalization;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// <c>order.status.changed</c> -> one ERP sales order per Tracktile order: the first event with a creating status
/// creates it (from the order fetched from Tracktile), later events update its status, and an event older than the
/// last applied one changes nothing.
/// </summary>
/// <remarks>
/// The events of one order are applied one at a time, under the order's lock in sync state: two events that both find
/// no sales order cannot both create one (the second waits, then updates), and no older write can land after a newer
/// one. Order is never decided by event id: when an event's time equals the last applied one, or its
/// <c>previousOrderStatus</c> is not the status last applied (an event was missed or came out of order), the order's
/// current status is read from Tracktile and that is what the ERP gets.
/// </remarks>
public sealed class ErpOrderConsumer(
    TracktileClient tracktile, IErp erp, SyncStateStore state, IOptions<ErpOrderOptions> options, IOptions<TracktileClientOptions> tracktileOptions,
    TimeProvider timeProvider)
    : IEventConsumer
{
    /// <summary>The state scope (table partition) of ERP sales orders.</summary>
    public const string Scope = "erp-order";

    private const string Cancelled = "cancelled";
    private const string CreateSentPrefix = "create-sent:";

    private readonly ErpOrderOptions _options = options.Value;
    private readonly string _statusProperty = tracktileOptions.Value.OrderStatusProperty;

    /// <inheritdoc />
    public string Name => "erp-orders";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var orderId = evt.RequiredString("orderId");
        return state.UnderLockAsync(Scope, orderId, $"{Name}/{evt.EventId}", record => ApplyAsync(evt, orderId, record, cancellationToken), cancellationToken);
    }

    private async Task<(SyncRecord? Next, string Outcome)> ApplyAsync(WebhookEventReceived evt, string orderId, SyncRecord record, CancellationToken cancellationToken)
    {
        var status = evt.RequiredString("currentOrderStatus");
        var time = evt.EffectiveTime();
        if (record.IsNewerThan(time))
        {
            return (null, $"stale: {status} at {time:O} is older than {record.Status} at {record.AppliedEventTime:O}");
        }

        // Settle what the newest status is: the event's own, unless it ties with the last applied event or does not
        // follow on from it, in which case Tracktile's current status decides.
        TracktileOrder? order = null;
        var previous = evt.OptionalString("previousOrderStatus");
        var ambiguous = record.TiesWith(time, evt.EventId) || (record.Status is not null && previous is not null && previous != record.Status);
        if (ambiguous)
        {
            order = await tracktile.GetOrderAsync(orderId, cancellationToken).ConfigureAwait(false);
            status = order.CurrentStatus(_statusProperty) ?? throw new PermanentProcessingException(
                $"order {orderId} as Tracktile returns it has no '{_statusProperty}' to settle which status is newest (check Tracktile:Api:OrderStatusProperty)");
        }

        var erpId = record.TargetId;
        string outcome;
        if (erpId is null)
        {
            if (!_options.CreateOnStatuses.Contains(status, StringComparer.Ordinal))
            {
                outcome = $"not created: status {status} does not create a sales order";
            }
            else
            {
                order ??= await tracktile.GetOrderAsync(orderId, cancellationToken).ConfigureAwait(false);
                var salesOrder = await LinkedAsync(ErpOrderMapping.ToSalesOrder(order, ErpOrderMapping.MapStatus(status, _options), evt), cancellationToken).ConfigureAwait(false);
                var created = await erp.CreateSalesOrderAsync(salesOrder with { Attempts = CreateAttempts(record) }, ErpOrderMapping.CreateKey(orderId), cancellationToken).ConfigureAwait(false);
                record.Hash = null;
                erpId = created.Id;
                record.TargetId = erpId; // kept at once: whatever fails next, this order is never created again
                await state.CheckpointAsync(record).ConfigureAwait(false);
                if (created.Replayed)
                {
                    // Created by an earlier attempt whose state was never saved: make sure it holds this status.
                    await SendStatusAsync(erpId, status, time, evt.EventId, cancellationToken).ConfigureAwait(false);
                }

                outcome = created.Replayed ? $"found sales order {erpId} made earlier ({status})" : $"created sales order {erpId} ({status})";
            }
        }
        else if (status == record.Status)
        {
            outcome = $"unchanged: sales order {erpId} already {status}";
        }
        else
        {
            outcome = await SendStatusAsync(erpId, status, time, evt.EventId, cancellationToken).ConfigureAwait(false) is { } sent
                ? $"{sent}{(ambiguous ? " (Tracktile's current status)" : "")}"
                : $"not sent: {status} is not sent to the ERP";
        }

        record.TargetId = erpId;
        record.Status = status;
        record.AppliedEventId = evt.EventId;
        record.AppliedEventTime = time;
        return (record, outcome);
    }

    /// <returns>The ERP's outcome; null when the status is not sent (cancellation turned off).</returns>
    private async Task<string?> SendStatusAsync(string erpId, string status, DateTimeOffset? time, string eventId, CancellationToken cancellationToken)
    {
        if (status == Cancelled && !_options.CancelInErp)
        {
            return null;
        }

        var update = new ErpSalesOrderStatusUpdate(ErpOrderMapping.MapStatus(status, _options), time, eventId) { TracktileStatus = status };
        return await erp.UpdateSalesOrderStatusAsync(erpId, update, ErpOrderMapping.StatusKey(eventId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The order's create attempts, kept in its record (<see cref="SyncRecord.Hash"/>) under the order's lock.</summary>
    private ErpCreateAttempts CreateAttempts(SyncRecord record)
    {
        DateTimeOffset? lastSent = record.Hash is { } pending && pending.StartsWith(CreateSentPrefix, StringComparison.Ordinal)
            && DateTimeOffset.TryParse(pending[CreateSentPrefix.Length..], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;
        return new ErpCreateAttempts(
            lastSent,
            async () =>
            {
                record.Hash = CreateSentPrefix + timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
                await state.CheckpointAsync(record).ConfigureAwait(false);
            },
            async () =>
            {
                record.Hash = null;
                await state.CheckpointAsync(record).ConfigureAwait(false);
            });
    }

    /// <summary>
    /// Adds what this app already knows links the order to the ERP: the customer's ERP id (from the customer sync) and
    /// each product's item key (from the product batch). ERPs that name customers and items by their own keys use them.
    /// </summary>
    private async Task<ErpSalesOrder> LinkedAsync(ErpSalesOrder order, CancellationToken cancellationToken)
    {
        if (!erp.SalesOrdersNeedLinks)
        {
            return order; // a storage read per line and one for the customer saved on every order
        }

        var customer = order.CustomerId is { Length: > 0 } customerId
            ? await state.GetAsync(CustomerSync.Scope, customerId, cancellationToken).ConfigureAwait(false)
            : null;
        var lines = new List<ErpSalesOrderLine>(order.Lines.Count);
        foreach (var line in order.Lines)
        {
            var item = string.IsNullOrEmpty(line.ProductId)
                ? null
                : await state.GetAsync(ErpProductConsumer.Scope, line.ProductId, cancellationToken).ConfigureAwait(false);
            lines.Add(line with { ErpItemId = item?.TargetId });
        }

        return order with { Lines = lines, ErpCustomerId = customer?.TargetId };
    }
}
