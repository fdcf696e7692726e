using System.Text.Json.Serialization;

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
    DateTimeOffset? SourceEventTime)
{
    /// <summary>The ERP's id of the customer, when the customer sync has linked it (not sent: each ERP uses it its own way).</summary>
    [JsonIgnore]
    public string? ErpCustomerId { get; init; }
}

/// <summary>One sales order line.</summary>
public sealed record ErpSalesOrderLine(int LineNumber, string ProductId, decimal Quantity, decimal? UnitPrice)
{
    /// <summary>The ERP's key of the product's item, as the product batch recorded it (not sent); null when never synced.</summary>
    [JsonIgnore]
    public string? ErpItemId { get; init; }
}

/// <summary>The body of <c>PATCH sales-orders/{id}</c>.</summary>
public sealed record ErpSalesOrderStatusUpdate(string Status, DateTimeOffset? StatusChangedAt, string SourceEventId)
{
    /// <summary>The Tracktile status before <c>Erp:Orders:StatusMap</c> (not sent: for ERPs that act on it).</summary>
    [JsonIgnore]
    public string TracktileStatus { get; init; } = Status;
}

/// <summary>The body of <c>POST shipments/{shipmentId}/confirm</c>.</summary>
public sealed record ErpShipmentConfirmation(
    string ShipmentId, string? ShipmentNumber, string Status, DateTimeOffset? ConfirmedAt, string SourceEventId)
{
    /// <summary>The Tracktile order the shipment belongs to, when known (not sent; see <see cref="IErp.ShipmentsNeedOrder"/>).</summary>
    [JsonIgnore]
    public string? OrderId { get; init; }

    /// <summary>The ERP's sales order for <see cref="OrderId"/>, when this app created it (not sent).</summary>
    [JsonIgnore]
    public string? ErpOrderId { get; init; }
}

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
    System.Text.Json.JsonElement? Attributes)
{
    /// <summary>The product as Tracktile returned it (not sent), for ERPs whose item key is another of its fields.</summary>
    [JsonIgnore]
    public System.Text.Json.JsonElement Source { get; init; }
}
