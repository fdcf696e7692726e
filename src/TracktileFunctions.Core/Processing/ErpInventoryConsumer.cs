using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Http;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// <c>inventory.*</c> -> one ERP stock movement per event, per lot. Movements are deltas, so the de-duplication
/// ledger and the idempotency key (the event id) are what keep the ERP's stock right under redelivery. A quantity is
/// never invented and never read from the lot's current state (that is a total, not this event's change): an event
/// without one is a permanent failure naming the field. What describes the lot (product, lot code, unit) is read from
/// Tracktile when the event lacks it.
/// </summary>
public sealed class ErpInventoryConsumer(TracktileClient tracktile, IErp erp, IOptions<ErpInventoryOptions> options) : IEventConsumer
{
    private readonly ErpInventoryOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "erp-inventory";

    /// <summary>The idempotency key of the movement caused by one event.</summary>
    public static string MovementKey(string eventId) => $"tracktile-inventory-{eventId}";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var read = TracktileInventoryEvent.Read(evt, _options);
        var (type, entity, quantity) = (read.Type, read.Entity, read.Quantity);
        var (from, to) = type switch
        {
            StockMovementType.Transfer => (Location(read.FromNodeId!), Location(read.NodeId)),
            StockMovementType.WriteOff => (Location(read.NodeId), null),
            _ => ((string?)null, Location(read.NodeId)),
        };

        var productId = entity.ProductId;
        var unit = entity.Unit;
        var lotCode = entity.Name;
        if ((productId is null || lotCode is null || unit is null) && _options.FetchMissingFromTracktile && !string.IsNullOrEmpty(entity.Id))
        {
            try
            {
                var fetched = await tracktile.GetInventoryEntityAsync(entity.Id, cancellationToken).ConfigureAwait(false);
                productId ??= fetched.ProductId;
                unit ??= fetched.Unit;
                lotCode ??= fetched.Name;
            }
            catch (TracktileApiException ex) when (ex.Status == 404 && productId is not null && lotCode is not null)
            {
                // Only the unit was missing, and Tracktile no longer has the lot: the movement goes without a unit.
            }
        }

        if (productId is null || lotCode is null)
        {
            throw new PermanentProcessingException($"{evt.Kind} for entity {entity.Id} has no {(productId is null ? "productId" : "lot code (name)")}");
        }

        var movement = new ErpStockMovement(type, productId, lotCode, quantity, unit, from, to, evt.EventId, evt.EffectiveTime());
        await erp.PostStockMovementAsync(movement, MovementKey(evt.EventId), cancellationToken).ConfigureAwait(false);
        return $"{type} of {quantity}{(unit is null ? "" : " " + unit)} lot {lotCode} ({from ?? "-"} -> {to ?? "-"})";
    }

    private string Location(string nodeId) => _options.Locations.TryGetValue(nodeId, out var location)
        ? location
        : throw new PermanentProcessingException($"Tracktile node {nodeId} has no ERP location (set Erp:Inventory:Locations:{nodeId})");
}
