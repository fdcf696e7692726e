using System.Text.Json;

namespace TracktileFunctions.Erp;

/// <summary>
/// What an ERP does for us, whatever the ERP: one implementation per system (<c>RestErp/</c>, <c>BusinessCentral/</c>),
/// chosen by <c>Erp:Provider</c>. The rules that hold for every ERP (a sales order created once and then updated, stale
/// events dropped, one movement per event and lot, the customer echo guard) live in the consumers, written once against
/// this interface. Every write is idempotent: it carries a key derived from what causes it, and a system without
/// idempotency keys looks up before it creates.
/// </summary>
public interface IErp : Sync.ICustomerBook
{
    /// <summary>
    /// Whether <see cref="ConfirmShipmentAsync"/> needs the shipment's Tracktile order (<see cref="ErpShipmentConfirmation.OrderId"/>):
    /// when true and the event does not name it, it is read from Tracktile.
    /// </summary>
    bool ShipmentsNeedOrder { get; }

    /// <summary>
    /// Whether a sales order's lines and customer must name the ERP's own keys (<see cref="ErpSalesOrderLine.ErpItemId"/>,
    /// <see cref="ErpSalesOrder.ErpCustomerId"/>), read from sync state before a create; when false those reads are skipped.
    /// </summary>
    bool SalesOrdersNeedLinks { get; }

    /// <summary>Finds the sales order made for <see cref="ErpSalesOrder.ExternalId"/>, or creates it.</summary>
    /// <returns>The ERP's id, and whether the order already existed (so its status may need setting).</returns>
    Task<ErpCreated> CreateSalesOrderAsync(ErpSalesOrder order, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Applies a Tracktile status to the sales order <paramref name="erpId"/> (what that means is the system's).</summary>
    /// <returns>A short outcome for the ledger (e.g. <c>sales order 12 -> completed</c>, <c>deleted</c>).</returns>
    Task<string> UpdateSalesOrderStatusAsync(string erpId, ErpSalesOrderStatusUpdate update, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Confirms a Tracktile shipment (never twice for one shipment).</summary>
    /// <returns>A short outcome for the ledger.</returns>
    Task<string> ConfirmShipmentAsync(ErpShipmentConfirmation confirmation, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Creates or updates an item from a Tracktile product.</summary>
    /// <returns>The ERP's key of the item (kept in sync state; sales order lines name the item by it).</returns>
    Task<string> UpsertProductAsync(ErpProduct product, string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Creates or updates the items of a page of products at once: concurrently within the ERP's limit, or in its batch
    /// call. One product's failure is its own: it is answered in its result, never thrown for the page.
    /// </summary>
    /// <returns>One result per write, in order.</returns>
    Task<IReadOnlyList<ProductWriteResult>> UpsertProductsAsync(IReadOnlyList<ProductWrite> products, CancellationToken cancellationToken);

    /// <summary>Posts one stock movement (a delta: the key is what keeps it from counting twice).</summary>
    Task PostStockMovementAsync(ErpStockMovement movement, string idempotencyKey, CancellationToken cancellationToken);
}
