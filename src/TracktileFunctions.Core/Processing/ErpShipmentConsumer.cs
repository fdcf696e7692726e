using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// <c>shipment.status.changed</c> -> the ERP confirms the shipment when it reaches a confirming status (<c>in_transit</c>).
/// <c>shipment.items.assigned</c> names the shipment's order (<c>shipmentOrderId</c>): it is kept, so an ERP that confirms
/// shipments on their sales order (<see cref="IErp.ShipmentsNeedOrder"/>) finds it without asking Tracktile.
/// </summary>
public sealed class ErpShipmentConsumer(IErp erp, SyncStateStore state, TracktileClient tracktile, IOptions<ErpShipmentOptions> options) : IEventConsumer
{
    /// <summary>The state scope (table partition) of shipment -> order links.</summary>
    public const string ShipmentOrderScope = "tracktile-shipment";

    /// <summary>The state scope of confirmed shipments (ERPs that confirm on the sales order).</summary>
    public const string ConfirmedScope = "erp-shipment";

    /// <summary>The kind that links a shipment to its order.</summary>
    public const string ItemsAssigned = "shipment.items.assigned";

    /// <inheritdoc />
    public string Name => "erp-shipments";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var shipmentId = evt.RequiredString("shipmentId");
        if (evt.Kind == ItemsAssigned)
        {
            var assignedTo = evt.RequiredString("shipmentOrderId");
            var link = await state.GetAsync(ShipmentOrderScope, shipmentId, cancellationToken).ConfigureAwait(false) ?? new SyncRecord(ShipmentOrderScope, shipmentId);
            link.TargetId = assignedTo;
            await state.TrySaveAsync(link, cancellationToken).ConfigureAwait(false);
            return $"recorded: shipment {shipmentId} belongs to order {assignedTo}";
        }

        var status = evt.RequiredString("currentShipmentStatus");
        if (!options.Value.ConfirmOnStatuses.Contains(status, StringComparer.Ordinal))
        {
            return $"ignored: status {status} does not confirm";
        }

        var confirmation = new ErpShipmentConfirmation(
            shipmentId, evt.OptionalString("shipmentShortId"), status, evt.EffectiveTime(), evt.EventId);
        if (!erp.ShipmentsNeedOrder)
        {
            // An ERP that confirms by shipment id takes the idempotency key: a repeat is answered, not applied again.
            return await erp.ConfirmShipmentAsync(confirmation, $"tracktile-shipment-{shipmentId}-{status}", cancellationToken).ConfigureAwait(false);
        }

        var orderId = evt.OptionalString("shipmentOrderId")
            ?? (await state.GetAsync(ShipmentOrderScope, shipmentId, cancellationToken).ConfigureAwait(false))?.TargetId
            ?? await ShipmentOrderFromTracktileAsync(shipmentId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotReadyException(
                $"shipment {shipmentId}'s order is not known yet: no {ItemsAssigned} event named it and Tracktile's shipment has no order id (check Tracktile:Api:ShipmentPath and ShipmentOrderIdProperty); retried");

        // One confirmation per shipment and status, under the shipment's lock: a second event or a redelivery finds it done.
        return await state.UnderLockAsync(ConfirmedScope, shipmentId, $"{Name}/{evt.EventId}", async record =>
        {
            if (record.Status == status)
            {
                return ((SyncRecord?)null, $"already confirmed: shipment {shipmentId} ({status}) by {record.AppliedEventId}");
            }

            var order = await state.GetAsync(ErpOrderConsumer.Scope, orderId, cancellationToken).ConfigureAwait(false);
            var outcome = await erp.ConfirmShipmentAsync(
                confirmation with { OrderId = orderId, ErpOrderId = order?.TargetId }, $"tracktile-shipment-{shipmentId}-{status}", cancellationToken).ConfigureAwait(false);
            record.TargetId = orderId;
            record.Status = status;
            record.AppliedEventId = evt.EventId;
            return (record, outcome);
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> ShipmentOrderFromTracktileAsync(string shipmentId, CancellationToken cancellationToken)
    {
        try
        {
            return await tracktile.GetShipmentOrderIdAsync(shipmentId, cancellationToken).ConfigureAwait(false);
        }
        catch (TracktileApiException ex) when (ex.Status == 404)
        {
            return null; // not readable there (the path is an assumption): wait for shipment.items.assigned
        }
    }
}
