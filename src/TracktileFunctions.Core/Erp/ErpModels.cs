namespace TracktileFunctions.Erp;

/// <summary>The body of <c>POST sales-orders</c> (docs/erp-contract.md).</summary>
public sealed record ErpSalesOrder(
    string ExternalId,
    string? OrderNumber,
    string? CustomerId,
    string? DueDate,
    string? Currency,
    string Status,
    IReadOnlyList<ErpSalesOrderLine> Lines,
    string SourceEventId,
    DateTimeOffset? SourceEventTime);

/// <summary>One sales order line.</summary>
public sealed record ErpSalesOrderLine(int LineNumber, string ProductId, decimal Quantity, decimal? UnitPrice);

/// <summary>The body of <c>PATCH sales-orders/{id}</c>.</summary>
public sealed record ErpSalesOrderStatusUpdate(string Status, DateTimeOffset? StatusChangedAt, string SourceEventId);

/// <summary>The body of <c>POST shipments/{shipmentId}/confirm</c>.</summary>
public sealed record ErpShipmentConfirmation(
    string ShipmentId, string? ShipmentNumber, string Status, DateTimeOffset? ConfirmedAt, string SourceEventId);

/// <summary>What a create answered: the ERP's id, and whether the ERP had already seen the idempotency key.</summary>
public sealed record ErpCreated(string Id, bool Replayed);

/// <summary>The body of <c>PUT products/{productId}</c>.</summary>
public sealed record ErpProduct(
    string ExternalId,
    string? Sku,
    string? Name,
    string? Unit,
    bool? Active,
    DateTimeOffset? ModifiedAt,
    System.Text.Json.JsonElement? Attributes);
