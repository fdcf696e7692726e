namespace TracktileFunctions.Sandbox.Shopify;

/// <summary>A location of a fake Shopify shop, as <c>locations</c> lists it.</summary>
/// <param name="Id">The GraphQL id, <c>gid://shopify/Location/N</c>.</param>
public sealed record ShopifyLocation(string Id, long LegacyResourceId, string Name, bool IsActive);

/// <summary>What a seeded variant is stocked with at one location (Shopify's quantity names; on_hand is derived).</summary>
/// <param name="LocationId">The location's GraphQL id (e.g. <see cref="SandboxState.ShopifyMainLocationId"/>).</param>
public sealed record ShopifyStock(
    string LocationId,
    int Available,
    int Committed = 0,
    int Incoming = 0,
    int Reserved = 0,
    int Damaged = 0,
    int QualityControl = 0,
    int SafetyStock = 0);

/// <summary>A product variant of a fake shop and its (1:1) inventory item.</summary>
/// <param name="Id">The variant's GraphQL id, <c>gid://shopify/ProductVariant/N</c>.</param>
/// <param name="InventoryItemId">The inventory item's GraphQL id, <c>gid://shopify/InventoryItem/N</c>.</param>
/// <param name="ProductId">The product's GraphQL id, <c>gid://shopify/Product/N</c>.</param>
public sealed record ShopifyVariant(
    string Id,
    long LegacyResourceId,
    string? Sku,
    string Title,
    string InventoryItemId,
    string ProductId,
    bool Tracked);

/// <summary>One quantity change an inventory mutation applied.</summary>
public sealed record ShopifyQuantityChange(
    string InventoryItemId,
    string LocationId,
    string Name,
    int Delta,
    int QuantityAfterChange,
    string? LedgerDocumentUri);

/// <summary>An inventory adjustment group an inventory mutation created (replays create none).</summary>
/// <param name="Mutation"><c>inventoryAdjustQuantities</c> or <c>inventorySetQuantities</c>.</param>
/// <param name="IdempotencyKey">The <c>@idempotent(key:)</c> sent, if any.</param>
/// <param name="Changes">Every quantity changed, the named one and the derived ones (e.g. on_hand).</param>
public sealed record ShopifyAdjustment(
    string Shop,
    string Id,
    string Mutation,
    string? IdempotencyKey,
    string Name,
    string Reason,
    string? ReferenceDocumentUri,
    DateTimeOffset CreatedAt,
    IReadOnlyList<ShopifyQuantityChange> Changes);

/// <summary>The customer of a seeded order.</summary>
public sealed record ShopifyCustomerSeed(string? Email, string? FirstName, string? LastName);

/// <summary>A shipping address as the REST order payload carries it.</summary>
public sealed record ShopifyAddress(
    string? FirstName = null,
    string? LastName = null,
    string? Address1 = null,
    string? Address2 = null,
    string? City = null,
    string? Province = null,
    string? Zip = null,
    string? Country = null,
    string? CountryCode = null,
    string? Phone = null,
    string? Company = null);

/// <summary>A line of a seeded order; linked to the shop's variant with this SKU unless <paramref name="VariantId"/> is given.</summary>
/// <param name="Sku">The SKU (Shopify allows none).</param>
/// <param name="VariantId">A variant's GraphQL id, or null to look the SKU up (no variant when none matches).</param>
public sealed record ShopifyLineItemSeed(string? Sku, int Quantity, decimal Price, string? VariantId = null, string Title = "Sandbox item");

/// <summary>What <see cref="SandboxState.CreateShopifyOrderAsync"/> makes an order from.</summary>
/// <param name="FinancialStatus">REST spelling: <c>paid</c>, <c>pending</c>, <c>authorized</c>, <c>refunded</c>...</param>
/// <param name="FulfillmentStatus">REST spelling: null (unfulfilled), <c>partial</c> or <c>fulfilled</c>.</param>
/// <param name="CreatedAt">When it was placed; the sandbox clock's now when null.</param>
public sealed record ShopifyOrderSeed(
    IReadOnlyList<ShopifyLineItemSeed> LineItems,
    string? Email = "buyer@example.com",
    string Currency = "USD",
    string FinancialStatus = "paid",
    string? FulfillmentStatus = null,
    ShopifyCustomerSeed? Customer = null,
    ShopifyAddress? ShippingAddress = null,
    DateTimeOffset? CreatedAt = null);

/// <summary>A line of a <see cref="ShopifyOrder"/>.</summary>
/// <param name="Id">The REST id (the GraphQL id is <c>gid://shopify/LineItem/{Id}</c>).</param>
public sealed record ShopifyLineItem(
    long Id,
    long? VariantId,
    long? ProductId,
    string? Sku,
    string Title,
    int Quantity,
    int FulfillableQuantity,
    decimal Price);

/// <summary>A customer of a <see cref="ShopifyOrder"/>.</summary>
public sealed record ShopifyCustomer(long Id, string? Email, string? FirstName, string? LastName);

/// <summary>An order of a fake shop (a snapshot; change it with <see cref="SandboxState.UpdateShopifyOrderAsync"/>).</summary>
/// <param name="Id">The REST id; the GraphQL id is <see cref="GraphqlId"/>.</param>
/// <param name="Name">E.g. <c>#1001</c>.</param>
public sealed record ShopifyOrder(
    long Id,
    string Name,
    int OrderNumber,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? CancelledAt,
    string? CancelReason,
    string FinancialStatus,
    string? FulfillmentStatus,
    string Currency,
    string? Email,
    ShopifyCustomer? Customer,
    ShopifyAddress? ShippingAddress,
    IReadOnlyList<ShopifyLineItem> LineItems)
{
    /// <summary><c>gid://shopify/Order/{Id}</c>.</summary>
    public string GraphqlId => ShopifyGid.Of("Order", Id);
}

/// <summary>A webhook subscription made with <c>webhookSubscriptionCreate</c>.</summary>
/// <param name="Topic">The GraphQL enum value, e.g. <c>ORDERS_CREATE</c>.</param>
/// <param name="ApiVersion">The API version of the request that made it; its deliveries use it.</param>
public sealed record ShopifyWebhookSubscription(
    string Shop,
    string Id,
    string Topic,
    string Uri,
    string Format,
    string ApiVersion,
    DateTimeOffset CreatedAt);

/// <summary>One webhook POST the fake shop made.</summary>
/// <param name="StatusCode">The receiver's status; null when it was not reached or did not answer within 5 s.</param>
/// <param name="SubscriptionId">The subscription it was for; null for <see cref="SandboxState.SendShopifyWebhookAsync"/>.</param>
public sealed record ShopifyWebhookDelivery(
    string Shop,
    string Topic,
    Uri Target,
    string WebhookId,
    string EventId,
    DateTimeOffset TriggeredAt,
    string ApiVersion,
    int? StatusCode,
    TimeSpan Elapsed,
    bool TimedOut,
    string? SubscriptionId)
{
    /// <summary>Whether the receiver answered 2xx in time (Shopify's definition of delivered).</summary>
    public bool IsSuccess => StatusCode is >= 200 and < 300;
}

/// <summary>An order change made through the state and the webhooks it delivered (none when suppressed or unsubscribed).</summary>
public sealed record ShopifyOrderEvent(ShopifyOrder Order, IReadOnlyList<ShopifyWebhookDelivery> Deliveries);

/// <summary>Shopify's global ids, <c>gid://shopify/{Type}/{N}</c>.</summary>
public static class ShopifyGid
{
    /// <summary><c>gid://shopify/{type}/{id}</c>.</summary>
    public static string Of(string type, long id) => $"gid://shopify/{type}/{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The number of a gid of <paramref name="type"/>; false for any other string.</summary>
    public static bool TryParse(string? gid, string type, out long id)
    {
        id = 0;
        var prefix = $"gid://shopify/{type}/";
        return gid is not null && gid.StartsWith(prefix, StringComparison.Ordinal)
               && long.TryParse(gid.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);
    }
}
