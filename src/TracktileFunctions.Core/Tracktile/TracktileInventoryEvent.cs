using System.Text.Json;
using TracktileFunctions.Erp;
using TracktileFunctions.Http;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Tracktile;

/// <summary>
/// One Tracktile <c>inventory.*</c> event read once for every system it moves stock in: what kind of movement, the lot,
/// the node (and for a transfer the node it left), and the change. The change comes only from the event: Tracktile's
/// entity holds the lot's quantity now, not this event's delta, so an event without one is a permanent failure naming
/// the field. The kind table and the undocumented field names are <c>Erp:Inventory</c> settings (<see cref="ErpInventoryOptions"/>).
/// </summary>
public sealed record TracktileInventoryEvent(StockMovementType Type, TracktileInventoryEntity Entity, string NodeId, string? FromNodeId, decimal Quantity)
{
    /// <summary>Reads <paramref name="evt"/>.</summary>
    /// <exception cref="PermanentProcessingException">The kind has no movement type, or a field the movement needs is missing.</exception>
    public static TracktileInventoryEvent Read(WebhookEventReceived evt, ErpInventoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Movements.TryGetValue(evt.Kind, out var type))
        {
            throw new PermanentProcessingException($"no movement type is configured for {evt.Kind} (set Erp:Inventory:Movements:{evt.Kind})");
        }

        var entity = ReadEntity(evt);
        if (string.IsNullOrEmpty(entity.Id) && string.IsNullOrEmpty(entity.Name))
        {
            throw new PermanentProcessingException($"{evt.Kind} event's entity has neither id nor name");
        }

        var node = NodeOf(evt, "node");
        var from = type == StockMovementType.Transfer ? NodeOf(evt, options.TransferFromProperty) : null;
        var isAdjustment = type == StockMovementType.Adjustment;
        var quantity = isAdjustment ? AdjustmentDelta(evt, entity, options.AdjustmentDeltaProperty) : entity.Quantity;
        if (quantity is null)
        {
            var field = isAdjustment ? options.AdjustmentDeltaProperty : "entity.quantity";
            throw new PermanentProcessingException(
                $"{evt.Kind} for lot {entity.Name ?? entity.Id} has no '{field}': a movement's quantity is never read from the lot's current state");
        }

        return new TracktileInventoryEvent(type, entity, node, from, quantity.Value);
    }

    /// <summary>The signed change at <see cref="NodeId"/> (and the opposite at <see cref="FromNodeId"/> for a transfer).</summary>
    public decimal SignedQuantity => Type == StockMovementType.WriteOff ? -Quantity : Quantity;

    private static decimal? AdjustmentDelta(WebhookEventReceived evt, TracktileInventoryEntity entity, string property)
        => entity.Extra is not null && entity.Extra.TryGetValue(property, out var delta) && delta.ValueKind == JsonValueKind.Number
            ? delta.GetDecimal()
            : evt.Payload.TryGetProperty(property, out var top) && top.ValueKind == JsonValueKind.Number ? top.GetDecimal() : null;

    private static string NodeOf(WebhookEventReceived evt, string property)
        => evt.Payload.TryGetProperty(property, out var node) && node.ValueKind == JsonValueKind.Object
            && node.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } text
                ? text
                : throw new PermanentProcessingException($"{evt.Kind} event has no '{property}.id'");

    private static TracktileInventoryEntity ReadEntity(WebhookEventReceived evt)
    {
        if (!evt.Payload.TryGetProperty("entity", out var value) || value.ValueKind != JsonValueKind.Object)
        {
            throw new PermanentProcessingException($"{evt.Kind} event has no 'entity'");
        }

        try
        {
            return value.Deserialize<TracktileInventoryEntity>(JsonHttp.Options)!;
        }
        catch (JsonException ex)
        {
            throw new PermanentProcessingException($"{evt.Kind} event's 'entity' is not readable: {ex.Message}", ex);
        }
    }
}
