namespace TracktileFunctions.Store;

/// <summary>
/// What a web store does for us (the e-commerce role): hold the stock of the products it sells, by location. The rules
/// that hold for every store (a movement applied once per event, a repair only from observed quantities) are written
/// once against it (<see cref="StoreStockConsumer"/>, <see cref="StoreStockRepair"/>); orders come from each store's
/// own webhooks into <see cref="StoreOrderImport"/>.
/// </summary>
public interface IStore
{
    /// <summary>The store's name (logs, ledger partitions).</summary>
    string Name { get; }

    /// <summary>Where a Tracktile node's stock is in the store; null when the node is not sold there.</summary>
    StoreLocation? LocationOf(string nodeId);

    /// <summary>Every location the store holds Tracktile stock in, with the node it mirrors.</summary>
    IReadOnlyList<(string NodeId, StoreLocation Location)> Locations { get; }

    /// <summary>
    /// Moves stock by deltas, all or nothing, once per <see cref="StoreStockAdjustment.IdempotencyKey"/> (a repeat of
    /// the key changes nothing). An unknown SKU is a <see cref="Processing.NotReadyException"/> or a permanent failure.
    /// </summary>
    /// <returns>A short outcome for the ledger.</returns>
    Task<string> AdjustAsync(StoreStockAdjustment adjustment, CancellationToken cancellationToken);

    /// <summary>Whether the store sells <paramref name="sku"/> at any of its locations.</summary>
    Task<bool> SellsAsync(string sku, CancellationToken cancellationToken);

    /// <summary>The quantity the repair compares, per location, of one SKU; empty when the store does not sell it.</summary>
    Task<IReadOnlyList<StoreStockLevel>> GetLevelsAsync(string sku, CancellationToken cancellationToken);

    /// <summary>Sets one SKU's quantity at one location if it still holds <see cref="StoreStockSet.Expected"/> (compare-and-set).</summary>
    /// <returns>False when the quantity changed meanwhile (nothing was set).</returns>
    Task<bool> SetAsync(StoreStockSet change, CancellationToken cancellationToken);
}

/// <summary>A location of a store (a shop and its location id).</summary>
public sealed record StoreLocation(string Shop, string Id);

/// <summary>One SKU's change at one location.</summary>
public sealed record StoreStockChange(string Sku, StoreLocation Location, int Delta);

/// <summary>The changes one Tracktile event makes, its audit reference and its idempotency key.</summary>
public sealed record StoreStockAdjustment(IReadOnlyList<StoreStockChange> Changes, Uri Reference, string IdempotencyKey);

/// <summary>One SKU's quantity at one location.</summary>
public sealed record StoreStockLevel(StoreLocation Location, int Quantity);

/// <summary>A compare-and-set of one SKU at one location.</summary>
public sealed record StoreStockSet(string Sku, StoreLocation Location, int Quantity, int Expected, Uri Reference, string IdempotencyKey);

/// <summary>An order as a store sends it, in the fields Tracktile's <c>POST /orders</c> needs.</summary>
public sealed record StoreOrder(
    string Store,
    string Shop,
    string OrderId,
    string Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt,
    bool Cancelled,
    string? Currency,
    string? Email,
    IReadOnlyList<StoreOrderLine> Lines);

/// <summary>One line of a store order.</summary>
public sealed record StoreOrderLine(string? Sku, string? VariantId, decimal Quantity, decimal Price);
