using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Store;

/// <summary>
/// <c>inventory.*</c> -> the store's stock moved by exactly the event's change, once: received and produced add at the
/// node's location, destroyed removes, moved removes at the node it left and adds at the node it reached (either side
/// only when that node is sold in the store). The movement's idempotency key is derived from the event id, so a
/// redelivery or a replay the ledger lets through still changes nothing twice. Its reference names the lot and the
/// event (traceability: stores have no lots).
/// </summary>
public sealed class StoreStockConsumer(IStore store, ProductSkuIndex index, StoreRepairs repairs, TracktileClient tracktile, IOptions<ErpInventoryOptions> options) : IEventConsumer
{
    private readonly ErpInventoryOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => $"{store.Name}-stock";

    /// <summary>The audit reference of one event's movement: <c>tracktile://lots/{lot}/events/{event}</c>.</summary>
    public static Uri Reference(string lot, string eventId)
        => new($"tracktile://lots/{Uri.EscapeDataString(lot)}/events/{Uri.EscapeDataString(eventId)}", UriKind.Absolute);

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var read = TracktileInventoryEvent.Read(evt, _options);
        var to = store.LocationOf(read.NodeId);
        var from = read.FromNodeId is { } fromNode ? store.LocationOf(fromNode) : null;
        if (to is null && from is null)
        {
            return $"skipped: node {read.NodeId}{(read.FromNodeId is null ? "" : $" (from {read.FromNodeId})")} is not sold in {store.Name}";
        }

        var productId = read.Entity.ProductId;
        if (productId is null && !string.IsNullOrEmpty(read.Entity.Id))
        {
            productId = (await tracktile.GetInventoryEntityAsync(read.Entity.Id, cancellationToken).ConfigureAwait(false)).ProductId;
        }

        if (productId is null)
        {
            throw new PermanentProcessingException($"{evt.Kind} for entity {read.Entity.Id} has no productId");
        }

        var sku = await index.SkuOfAsync(productId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotReadyException($"product {productId} is not in the product index yet (the product batch fills it from Tracktile's products)");
        if (sku.Length == 0 || !await store.SellsAsync(sku, cancellationToken).ConfigureAwait(false))
        {
            return $"skipped: product {productId} {(sku.Length == 0 ? "has no SKU" : $"({sku})")} is not sold in {store.Name}";
        }

        if (read.Quantity != decimal.Truncate(read.Quantity))
        {
            throw new PermanentProcessingException($"{evt.Kind} of lot {read.Entity.Name ?? read.Entity.Id}: {read.Quantity} is not a whole number, and {store.Name} counts whole units");
        }

        // A drift repair that set a location from Tracktile's totals after this event happened already counted it.
        var time = evt.EffectiveTime();
        var locations = new List<StoreLocation>(2);
        foreach (var location in new[] { from, to })
        {
            if (location is not null && !await repairs.CoversAsync(store.Name, sku, location, time, cancellationToken).ConfigureAwait(false))
            {
                locations.Add(location);
            }
        }

        if (locations.Count == 0)
        {
            return $"skipped: {sku} was repaired from Tracktile's totals after this movement ({time:O}), which counted it";
        }

        var quantity = (int)read.Quantity;
        var changes = new List<StoreStockChange>(2);
        if (read.Type == StockMovementType.Transfer && from is not null && locations.Contains(from))
        {
            changes.Add(new StoreStockChange(sku, from, -quantity));
        }

        if (to is not null && locations.Contains(to))
        {
            changes.Add(new StoreStockChange(sku, to, read.Type == StockMovementType.Transfer ? quantity : (int)read.SignedQuantity));
        }

        var lot = read.Entity.Name ?? read.Entity.Id;
        return await store.AdjustAsync(new StoreStockAdjustment(changes, Reference(lot, evt.EventId), $"{Name}/{evt.EventId}"), cancellationToken).ConfigureAwait(false);
    }
}
