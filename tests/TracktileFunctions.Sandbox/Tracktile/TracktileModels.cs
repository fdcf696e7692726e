using System.Text.Json;
using System.Text.Json.Serialization;

namespace TracktileFunctions.Sandbox.Tracktile;

/// <summary>A Tracktile order as <c>GET /orders/{orderId}</c> returns it.</summary>
/// <param name="ShippingAddress">The optional ship-to, written as <c>shippingAddress</c> only when set.</param>
public sealed record TracktileOrder(
    string Id,
    string ShortId,
    string CustomerId,
    DateOnly? DueDate,
    string Currency,
    string Status,
    IReadOnlyList<TracktileOrderItem> OrderItems,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TracktileAddress? ShippingAddress = null);

/// <summary>An order's ship-to (an undocumented Tracktile field; the app reads it as <c>shippingAddress</c>).</summary>
public sealed record TracktileAddress(
    string? Name = null,
    string? Company = null,
    string? Address1 = null,
    string? Address2 = null,
    string? City = null,
    string? State = null,
    string? Zip = null,
    string? Country = null,
    string? Phone = null,
    string? Email = null);

/// <summary>A Tracktile shipment as <c>GET /shipments/{shipmentId}</c> returns it (undocumented; the app's settings name the path).</summary>
public sealed record TracktileShipment(string Id, string ShortId, string OrderId, string Status, IReadOnlyList<TracktileShipmentItem> Items);

/// <summary>One item of a <see cref="TracktileShipment"/>: a product, a quantity and the lot codes picked for it.</summary>
public sealed record TracktileShipmentItem(string ProductId, decimal Quantity, IReadOnlyList<string> LotCodes);

/// <summary>One <c>PATCH /tracktile/shipments/{id}</c> applied (JSON merge patch), with the body as received.</summary>
public sealed record ShipmentPatch(string ShipmentId, JsonElement Body, DateTimeOffset ReceivedAt);

/// <summary>One line of a <see cref="TracktileOrder"/>.</summary>
public sealed record TracktileOrderItem(string ProductId, decimal Quantity, decimal Price);

/// <summary>A Tracktile product as <c>GET /products</c> returns it.</summary>
/// <param name="Attributes">Free-form attributes; values are serialized as given (strings, numbers, booleans...).</param>
public sealed record TracktileProduct(
    string Id,
    string Sku,
    string Name,
    string Unit,
    bool Active,
    DateTimeOffset ModifiedAt,
    IReadOnlyDictionary<string, object?>? Attributes = null);

/// <summary>An inventory entity (a lot) as <c>GET /inventory/entities/{entityId}</c> returns it.</summary>
/// <param name="NodeId">The node (stage, container...) holding it, written as <c>"node": {"id": ...}</c> when set.</param>
public sealed record InventoryEntity(string Id, string Name, string ProductId, decimal Quantity, string Unit, [property: JsonIgnore] string? NodeId = null)
{
    /// <summary>The node as Tracktile writes it; absent when <see cref="NodeId"/> is null.</summary>
    [JsonInclude]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public InventoryEntityNode? Node => NodeId is null ? null : new InventoryEntityNode(NodeId);
}

/// <summary>The <c>node</c> of an <see cref="InventoryEntity"/>.</summary>
public sealed record InventoryEntityNode(string Id);

/// <summary>One <c>PUT /customers/{customerId}</c> the sandbox received (the body schema is not documented).</summary>
public sealed record CustomerPut(string CustomerId, JsonElement Body, DateTimeOffset ReceivedAt);

/// <summary>How <c>GET /products</c> answers; Tracktile's real pagination is not documented.</summary>
public enum ProductPagination
{
    /// <summary>The whole filtered list as a bare JSON array (the documented sample); paging parameters are ignored.</summary>
    BareArray,

    /// <summary><c>limit</c>/<c>offset</c> query parameters; answers <c>{ "results": [...], "total": n }</c>.</summary>
    OffsetEnvelope,

    /// <summary><c>limit</c>/<c>cursor</c> query parameters; answers <c>{ "results": [...], "nextCursor": "..." | null }</c>.</summary>
    CursorEnvelope,
}
