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
            var orderId = evt.RequiredString("shipmentOrderId");
            var link = await state.GetAsync(ShipmentOrderScope, shipmentId, cancellationToken).ConfigureAwait(false) ?? new SyncRecord(ShipmentOrderScope, shipmentId);
            link.TargetId = orderId;
            await state.TrySaveAsync(link, cancellationToken).ConfigureAwait(false);
            return $"recorded: shipment {shipmentId} belongs to order {orderId}";
        }

        var status = evt.RequiredString("currentShipmentStatus");
        if (!options.Value.ConfirmOnStatuses.Contains(status, StringComparer.Ordinal))
        {
            return $"ignored: status {status} does not confirm";
        }

        var confirmation = new ErpShipmentConfirmation(
            shipmentId, evt.OptionalString("shipmentShortId"), status, evt.EffectiveTime(), evt.EventId);
        if (erp.ShipmentsNeedOrder)
        {
            var orderId = evt.OptionalString("shipmentOrderId")
                ?? (await state.GetAsync(ShipmentOrderScope, shipmentId, cancellationToken).ConfigureAwait(false))?.TargetId
                ?? await tracktile.GetShipmentOrderIdAsync(shipmentId, cancellationToken).ConfigureAwait(false)
                ?? throw new PermanentProcessingException(
                    $"shipment {shipmentId}'s order is unknown: no {ItemsAssigned} event named it and Tracktile's shipment has no order id (check Tracktile:Api:ShipmentOrderIdProperty)");
            var order = await state.GetAsync(ErpOrderConsumer.Scope, orderId, cancellationToken).ConfigureAwait(false);
            confirmation = confirmation with { OrderId = orderId, ErpOrderId = order?.TargetId };
        }

        return await erp.ConfirmShipmentAsync(confirmation, $"tracktile-shipment-{shipmentId}-{status}", cancellationToken).ConfigureAwait(false);
    }
}
