using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.Processing;

/// <summary><c>shipment.status.changed</c> -> the ERP confirms the shipment when it reaches a confirming status (<c>in_transit</c>).</summary>
public sealed class ErpShipmentConsumer(ErpClient erp, IOptions<ErpShipmentOptions> options) : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "erp-shipments";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        var shipmentId = evt.RequiredString("shipmentId");
        var status = evt.RequiredString("currentShipmentStatus");
        if (!options.Value.ConfirmOnStatuses.Contains(status, StringComparer.Ordinal))
        {
            return $"ignored: status {status} does not confirm";
        }

        var confirmation = new ErpShipmentConfirmation(
            shipmentId, evt.OptionalString("shipmentShortId"), status, evt.EffectiveTime(), evt.EventId);
        await erp.ConfirmShipmentAsync(confirmation, $"tracktile-shipment-{shipmentId}-{status}", cancellationToken).ConfigureAwait(false);
        return $"confirmed shipment {shipmentId} ({status})";
    }
}
