using System.Text.Json;

namespace TracktileFunctions.Sandbox.Erp;

/// <summary>A sales order the ERP side created.</summary>
/// <param name="Id">The ERP id, <c>SO-&lt;n&gt;</c>.</param>
/// <param name="Status">The current status (the last entry of <paramref name="StatusHistory"/>).</param>
/// <param name="Body">The create request's body.</param>
/// <param name="StatusHistory">The status given at creation, then every update, oldest first.</param>
/// <param name="IdempotencyKey">The create request's key; <see langword="null"/> when it had none.</param>
public sealed record ErpSalesOrder(
    string Id,
    string ExternalId,
    string Status,
    JsonElement Body,
    IReadOnlyList<SalesOrderStatusChange> StatusHistory,
    string? IdempotencyKey);

/// <summary>One status a sales order took, with the request that set it.</summary>
public sealed record SalesOrderStatusChange(
    string Status,
    DateTimeOffset? StatusChangedAt,
    string? SourceEventId,
    JsonElement Body,
    string? IdempotencyKey,
    DateTimeOffset ReceivedAt);

/// <summary>One <c>POST shipments/{shipmentId}/confirm</c> that took effect.</summary>
public sealed record ShipmentConfirmation(
    string ShipmentId,
    string Status,
    JsonElement Body,
    string? IdempotencyKey,
    DateTimeOffset ReceivedAt);

/// <summary>A product as last upserted through <c>PUT products/{productId}</c>.</summary>
/// <param name="UpsertCount">How many upserts took effect for this product.</param>
public sealed record ErpProduct(string ProductId, JsonElement Body, int UpsertCount, DateTimeOffset ReceivedAt);

/// <summary>A stock movement that was applied to the ledger.</summary>
public sealed record StockMovement(
    string Id,
    string MovementType,
    string ProductId,
    string? LotCode,
    decimal Quantity,
    string? Unit,
    string? FromLocation,
    string? ToLocation,
    string? SourceEventId,
    DateTimeOffset? EventTime,
    string? IdempotencyKey);

/// <summary>The quantity of one lot of a product at one location.</summary>
public sealed record StockLine(string ProductId, string? LotCode, string Location, decimal Quantity);

/// <summary>The quantity of one lot of a product, all locations together.</summary>
public sealed record LotStock(string ProductId, string? LotCode, decimal Quantity);

/// <summary>The movement types of the ERP contract and what each does to the ledger.</summary>
public static class MovementTypes
{
    /// <summary>Adds <c>quantity</c> at <c>toLocation</c>.</summary>
    public const string Receipt = "receipt";

    /// <summary>Adds <c>quantity</c> at <c>toLocation</c>.</summary>
    public const string Production = "production";

    /// <summary>Moves <c>quantity</c> from <c>fromLocation</c> to <c>toLocation</c>.</summary>
    public const string Transfer = "transfer";

    /// <summary>Adds a signed <c>quantity</c> at <c>toLocation</c>.</summary>
    public const string Adjustment = "adjustment";

    /// <summary>Removes <c>quantity</c> at <c>fromLocation</c>.</summary>
    public const string WriteOff = "writeOff";
}
