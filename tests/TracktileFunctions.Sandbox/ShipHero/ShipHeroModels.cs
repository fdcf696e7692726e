using System.Globalization;
using System.Text;

namespace TracktileFunctions.Sandbox.ShipHero;

/// <summary>A ShipHero warehouse: its base64 id (<c>V2FyZWhvdXNlOjEyMzQ=</c>, "Warehouse:1234"), legacy id and identifier (name).</summary>
public sealed record ShipHeroWarehouse(string Id, long LegacyId, string Identifier);

/// <summary>A product (SKU) of the account, stocked per warehouse.</summary>
public sealed record ShipHeroProduct(string Id, long LegacyId, string Sku, string Name, DateTimeOffset CreatedAt, bool AutoCreated);

/// <summary>A ship-to address as <c>CreateOrderAddressInput</c> carries it.</summary>
public sealed record ShipHeroAddress(
    string? FirstName,
    string? LastName,
    string? Company,
    string? Address1,
    string? Address2,
    string? City,
    string? State,
    string? StateCode,
    string? Zip,
    string? Country,
    string? CountryCode,
    string? Email,
    string? Phone);

/// <summary>One line of an order, as created.</summary>
/// <param name="Price">As sent (ShipHero's <c>price</c> is a String).</param>
/// <param name="QuantityAllocated">Allocated from the order's warehouse at creation (on hand not already allocated).</param>
public sealed record ShipHeroOrderLine(
    string Id,
    long LegacyId,
    string Sku,
    string PartnerLineItemId,
    int Quantity,
    string Price,
    string? ProductName,
    int QuantityAllocated,
    int QuantityShipped);

/// <summary>An order as <c>order_create</c> made it, with what happened to it since.</summary>
public sealed record ShipHeroOrder(
    string Id,
    long LegacyId,
    string OrderNumber,
    string? PartnerOrderId,
    string ShopName,
    string FulfillmentStatus,
    DateTimeOffset OrderDate,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ShipHeroAddress ShippingAddress,
    IReadOnlyList<ShipHeroOrderLine> LineItems,
    string WarehouseId,
    string? CancelReason = null);

/// <summary>One change of a SKU's on hand in a warehouse (<c>inventory_changes</c>).</summary>
/// <param name="Reason">The reason sent with <c>inventory_add</c>/<c>inventory_remove</c>/<c>inventory_replace</c>, or the sandbox's (shipping, seeding).</param>
public sealed record ShipHeroInventoryChange(
    string Sku,
    string WarehouseId,
    int PreviousOnHand,
    int ChangeInOnHand,
    string? Reason,
    string? LocationId,
    DateTimeOffset CreatedAt);

/// <summary>A registered webhook; <see cref="SharedSignatureSecret"/> is revealed only by <c>webhook_create</c>.</summary>
public sealed record ShipHeroWebhook(
    string Id,
    long LegacyId,
    string Name,
    string Url,
    string? ShopName,
    string SharedSignatureSecret,
    DateTimeOffset CreatedAt);

/// <summary>What the warehouse ships of one order line: a lot (or none) and a quantity.</summary>
/// <param name="LotName">The lot's name (ShipHero lots are named; Tracktile's lot code); null ships no lot.</param>
/// <param name="LotExpiration">The lot's expiration date, written <c>yyyy-MM-dd</c>.</param>
public sealed record ShipHeroShipLine(string Sku, int Quantity, string? LotName = null, DateOnly? LotExpiration = null);

/// <summary>One shipped line (per lot) of a shipment.</summary>
public sealed record ShipHeroShipmentLine(
    string Id,
    long LegacyId,
    string LineItemId,
    long LineItemLegacyId,
    string Sku,
    string PartnerLineItemId,
    int Quantity,
    long? LotId,
    string? LotName,
    DateOnly? LotExpiration);

/// <summary>A shipment (one package, one label) of an order.</summary>
public sealed record ShipHeroShipment(
    string Id,
    long LegacyId,
    string OrderId,
    string WarehouseId,
    string Carrier,
    string ShippingMethod,
    string TrackingNumber,
    DateTimeOffset CreatedDate,
    IReadOnlyList<ShipHeroShipmentLine> LineItems);

/// <summary>One POST of a webhook (each retry is one), with the receiver's answer.</summary>
/// <param name="Attempt">1 for the first try, 2.. for the retries (same <see cref="MessageId"/>).</param>
/// <param name="StatusCode">The answer's status; null when none came (refused, timed out).</param>
/// <param name="ResponseBody">The answer's body (first 4 KB), or null.</param>
/// <param name="Acknowledged">Whether ShipHero counts it received: 200 and <c>{"code":"200","Status":"Success"}</c>.</param>
public sealed record ShipHeroWebhookDelivery(
    string WebhookName,
    string? WebhookId,
    Uri Target,
    string MessageId,
    int Attempt,
    string Body,
    int? StatusCode,
    string? ResponseBody,
    bool Acknowledged,
    bool TimedOut,
    TimeSpan Elapsed,
    DateTimeOffset SentAt);

/// <summary>A shipment made by <c>SandboxState.ShipShipHeroOrderAsync</c> and the webhook POSTs it caused.</summary>
public sealed record ShipHeroShipmentEvent(ShipHeroShipment Shipment, IReadOnlyList<ShipHeroWebhookDelivery> Deliveries);

/// <summary>The receiver's answer to one webhook POST made by <c>SandboxState.SendShipHeroWebhookAsync</c>.</summary>
public sealed record ShipHeroWebhookSendResult(int? StatusCode, string? Body, TimeSpan Elapsed, bool Acknowledged, string MessageId);

/// <summary>ShipHero's ids: base64 of <c>{Type}:{legacy id}</c> (graphene's global ids).</summary>
public static class ShipHeroId
{
    /// <summary><c>base64("{type}:{legacyId}")</c>, e.g. <c>V2FyZWhvdXNlOjEyMzQ=</c> for Warehouse 1234.</summary>
    public static string Of(string type, long legacyId)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(type + ":" + legacyId.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The legacy id in a global id of <paramref name="type"/>, or a bare legacy number; null otherwise.</summary>
    public static long? LegacyOf(string? id, string type)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        if (long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var bare))
        {
            return bare;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(id));
            var prefix = type + ":";
            return text.StartsWith(prefix, StringComparison.Ordinal)
                   && long.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var legacy)
                ? legacy
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
