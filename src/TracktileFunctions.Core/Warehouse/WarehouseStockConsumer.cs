using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Warehouse;

/// <summary>
/// <c>inventory.*</c> into or out of the nodes the WMS runs -> stock added or removed per SKU and warehouse, once per
/// event: the change carries a key derived from the event, looked up in the WMS's history before it is sent (a replay
/// from poison restarts the attempts, so every attempt looks). A move between two nodes of one warehouse changes nothing.
/// </summary>
public sealed class WarehouseStockConsumer(IWarehouse warehouse, ProductSkuIndex skus, TracktileClient tracktile, IOptions<ErpInventoryOptions> options) : IEventConsumer
{
    private readonly ErpInventoryOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => $"{warehouse.Name}-stock";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var read = TracktileInventoryEvent.Read(evt, _options);
        var to = warehouse.WarehouseOf(read.NodeId);
        var from = read.FromNodeId is { } fromNode ? warehouse.WarehouseOf(fromNode) : null;
        if (read.Type == StockMovementType.Transfer && from == to)
        {
            return to is null ? $"skipped: nodes {read.FromNodeId} and {read.NodeId} are not run by {warehouse.Name}" : $"skipped: a move inside warehouse {to}";
        }

        if (to is null && from is null)
        {
            return $"skipped: node {read.NodeId} is not run by {warehouse.Name}";
        }

        if (read.Quantity != decimal.Truncate(read.Quantity))
        {
            throw new PermanentProcessingException($"{evt.Kind} of lot {read.Entity.Name ?? read.Entity.Id}: {read.Quantity} is not a whole number, and {warehouse.Name} counts whole units");
        }

        var productId = read.Entity.ProductId
            ?? (string.IsNullOrEmpty(read.Entity.Id) ? null : (await tracktile.GetInventoryEntityAsync(read.Entity.Id, cancellationToken).ConfigureAwait(false)).ProductId)
            ?? throw new PermanentProcessingException($"{evt.Kind} for entity {read.Entity.Id} has no productId");
        var sku = await skus.SkuOfAsync(productId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotReadyException($"product {productId} has no SKU in the product index yet (the product batch fills it from Tracktile's products)");

        var quantity = (int)read.Quantity;
        var lot = read.Entity.Name ?? read.Entity.Id;
        var outcomes = new List<string>();
        if (read.Type == StockMovementType.Transfer && from is not null)
        {
            outcomes.Add(await MoveAsync(sku, from, -quantity, "out", evt, lot, cancellationToken).ConfigureAwait(false));
        }

        if (to is not null)
        {
            var delta = read.Type == StockMovementType.Transfer ? quantity : (int)read.SignedQuantity;
            outcomes.Add(await MoveAsync(sku, to, delta, "in", evt, lot, cancellationToken).ConfigureAwait(false));
        }

        return string.Join("; ", outcomes);
    }

    private Task<string> MoveAsync(string sku, string warehouseId, int delta, string side, WebhookEventReceived evt, string lot, CancellationToken cancellationToken)
    {
        var key = $"tracktile:{evt.EventId}:{side}";
        var reason = $"[{key}] Tracktile {evt.Kind} lot {lot}"; // the key first: a reason cut short still carries it

        // No copy of the event can have been applied before the event happened (Tracktile's time) or this copy arrived.
        var since = (evt.EventTime is { } t && t < evt.ReceivedAt ? t : evt.ReceivedAt) - TimeSpan.FromMinutes(10);
        return warehouse.MoveStockAsync(new WarehouseStockChange(sku, warehouseId, delta, key, reason, since), cancellationToken);
    }
}
