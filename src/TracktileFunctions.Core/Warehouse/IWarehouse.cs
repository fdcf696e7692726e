namespace TracktileFunctions.Warehouse;

/// <summary>
/// What a warehouse management system does for us (the WMS role): take the shipments Tracktile readies as orders to
/// pick and ship, and hold the stock of the nodes it runs. The rules that hold for every WMS (one order per shipment,
/// found before it is made; one stock change per event) are written once against it (<see cref="WarehouseShipmentConsumer"/>,
/// <see cref="WarehouseStockConsumer"/>); what the WMS reports back comes through each system's own webhook.
/// </summary>
public interface IWarehouse
{
    /// <summary>The system's name (logs, ledger partitions).</summary>
    string Name { get; }

    /// <summary>The warehouse a Tracktile node is in the WMS; null when the WMS does not run it.</summary>
    string? WarehouseOf(string nodeId);

    /// <summary>
    /// Creates the order unless one with its <see cref="WarehouseOrder.PartnerOrderId"/> exists (looked up first, every
    /// time). <paramref name="settling"/>: an earlier create was sent moments ago without an answer; when the look-up finds
    /// nothing, the attempt is retried later (<see cref="Processing.NotReadyException"/>) rather than sent again.
    /// </summary>
    Task<WarehouseOrderResult> CreateOrderOnceAsync(WarehouseOrder order, bool settling, CancellationToken cancellationToken);

    /// <summary>Cancels the order made for <paramref name="partnerOrderId"/>, if any.</summary>
    /// <returns>A short outcome for the ledger.</returns>
    Task<string> CancelOrderAsync(string partnerOrderId, CancellationToken cancellationToken);

    /// <summary>
    /// Adds or removes stock, once: the WMS's change history since <see cref="WarehouseStockChange.Since"/> (when the
    /// event was received: no earlier attempt can have applied it before) is searched for its key first, so a
    /// redelivery, a retry after a lost answer or a replay from poison never applies it twice.
    /// </summary>
    /// <returns>A short outcome for the ledger.</returns>
    Task<string> MoveStockAsync(WarehouseStockChange change, CancellationToken cancellationToken);
}

/// <summary>An order for the warehouse to pick and ship: one Tracktile shipment.</summary>
public sealed record WarehouseOrder(
    string PartnerOrderId, string OrderNumber, DateTimeOffset OrderDate, WarehouseAddress? ShipTo, string? Email, IReadOnlyList<WarehouseOrderLine> Lines);

/// <summary>One line: a SKU, its quantity, and the lots Tracktile assigned to it.</summary>
public sealed record WarehouseOrderLine(string PartnerLineId, string Sku, int Quantity, decimal? Price, IReadOnlyList<string> LotCodes);

/// <summary>A ship-to address.</summary>
public sealed record WarehouseAddress(
    string? Name, string? Company, string? Address1, string? Address2, string? City, string? State, string? Zip, string? Country, string? Phone);

/// <summary>What <see cref="IWarehouse.CreateOrderOnceAsync"/> found or made.</summary>
public sealed record WarehouseOrderResult(string OrderId, bool Existed);

/// <summary>One SKU's change at one warehouse, with its idempotency key and the reason recorded in the WMS.</summary>
public sealed record WarehouseStockChange(string Sku, string WarehouseId, int Delta, string Key, string Reason, DateTimeOffset Since);
