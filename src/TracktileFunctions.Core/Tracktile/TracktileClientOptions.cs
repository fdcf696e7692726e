using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Http;

namespace TracktileFunctions.Tracktile;

/// <summary>Tracktile's REST API. Bound from <c>Tracktile:Api</c>.</summary>
public sealed class TracktileClientOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Tracktile:Api";

    /// <summary>The API's base address (production: <c>https://api.tracktile.io/</c>).</summary>
    [Required(ErrorMessage = "Tracktile:Api:BaseUrl is required (e.g. https://api.tracktile.io/).")]
    [Url]
    public string BaseUrl { get; set; } = "";

    /// <summary>An API token (<c>api-...</c>), sent as <c>Authorization: Bearer</c>. Keep it in Key Vault.</summary>
    [Required(ErrorMessage = "Tracktile:Api:Token is required (an API token, api-...).")]
    public string Token { get; set; } = "";

    /// <summary>Reads one order (not documented publicly; a setting).</summary>
    [Required]
    public string OrderPath { get; set; } = "orders/{orderId}";

    /// <summary>
    /// The property of an order (as <see cref="OrderPath"/> returns it) that holds its current status: read when two
    /// events of one order tie in time or do not follow on from each other. Not documented publicly; a setting.
    /// </summary>
    [Required]
    public string OrderStatusProperty { get; set; } = "status";

    /// <summary>Reads one inventory entity (lot); not documented publicly, so a setting.</summary>
    [Required]
    public string InventoryEntityPath { get; set; } = "inventory/entities/{entityId}";

    /// <summary>Reads one shipment, to learn its order when no <c>shipment.items.assigned</c> event said it (not documented; a setting).</summary>
    [Required]
    public string ShipmentPath { get; set; } = "shipments/{shipmentId}";

    /// <summary>The property of a shipment that holds its order's id (not documented; a setting).</summary>
    [Required]
    public string ShipmentOrderIdProperty { get; set; } = "orderId";

    /// <summary>Changes a shipment (not documented): the path, with <see cref="ShipmentUpdateMethod"/> and a JSON body of the changed fields.</summary>
    [Required]
    public string ShipmentUpdatePath { get; set; } = "shipments/{shipmentId}";

    /// <summary>The HTTP method of <see cref="ShipmentUpdatePath"/>: PATCH or PUT.</summary>
    [Required]
    [RegularExpression("^(PATCH|PUT)$", ErrorMessage = "Tracktile:Api:ShipmentUpdateMethod must be PATCH or PUT.")]
    public string ShipmentUpdateMethod { get; set; } = "PATCH";

    /// <summary>The field names of the body of <see cref="ShipmentUpdatePath"/> when a warehouse ships (not documented).</summary>
    [Required]
    public TracktileShipmentFields ShipmentFields { get; set; } = new();

    /// <summary>The shipment property (as <see cref="ShipmentPath"/> returns it) holding its lines, each <c>{productId, quantity, lotCodes}</c> (not documented).</summary>
    [Required]
    public string ShipmentItemsProperty { get; set; } = "items";

    /// <summary>The order property holding its ship-to address <c>{name, company, address1, address2, city, state, zip, country, phone, email}</c> (not documented).</summary>
    [Required]
    public string OrderShippingAddressProperty { get; set; } = "shippingAddress";

    /// <summary>Replaces a customer; the integrations guide uses <c>PUT /customers/{id}</c>.</summary>
    [Required]
    public string CustomerPath { get; set; } = "customers/{customerId}";

    /// <summary>Creates an order (documented: <c>POST /orders</c>).</summary>
    [Required]
    public string CreateOrderPath { get; set; } = "orders";

    /// <summary>
    /// Finds orders by <c>shortId</c>, answering a JSON array (or a <c>results</c> envelope) of orders. Not documented;
    /// used only when an earlier create's answer was lost, to learn whether it happened. Empty: not available (such an
    /// order then goes to poison for a person to check, never created twice).
    /// </summary>
    public string? OrderLookupPath { get; set; } = "orders?shortId={shortId}";

    /// <summary>Changes an order's status (not documented): the path, with <see cref="OrderUpdateMethod"/> and a body <c>{"{OrderStatusProperty}": status}</c>.</summary>
    [Required]
    public string OrderUpdatePath { get; set; } = "orders/{orderId}";

    /// <summary>The HTTP method of <see cref="OrderUpdatePath"/>: PATCH or PUT.</summary>
    [Required]
    [RegularExpression("^(PATCH|PUT)$", ErrorMessage = "Tracktile:Api:OrderUpdateMethod must be PATCH or PUT.")]
    public string OrderUpdateMethod { get; set; } = "PATCH";

    /// <summary>Lists the lots of one product with their node and quantity (not documented; a setting). A bare array or a <c>results</c> envelope.</summary>
    [Required]
    public string InventoryEntitiesPath { get; set; } = "inventory/entities?productId={productId}";

    /// <summary>The changed-products endpoint and its paging.</summary>
    [Required]
    public TracktileProductsOptions Products { get; set; } = new();

    /// <summary>Timeouts, retries and concurrency.</summary>
    [Required]
    public ApiResilienceOptions Resilience { get; set; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        => NestedValidation.Validate(SectionName, (nameof(Products), Products), (nameof(Resilience), Resilience));
}

/// <summary>The fields a shipped shipment's update sets in Tracktile (its shipment update is not documented: settings).</summary>
public sealed class TracktileShipmentFields
{
    /// <summary>The status.</summary>
    [Required]
    public string Status { get; set; } = "status";

    /// <summary>The carrier.</summary>
    [Required]
    public string Carrier { get; set; } = "carrier";

    /// <summary>The tracking number.</summary>
    [Required]
    public string TrackingNumber { get; set; } = "trackingNumber";

    /// <summary>The lots actually shipped: <c>[{productId, sku, lotCode, quantity}]</c>.</summary>
    [Required]
    public string ShippedLots { get; set; } = "shippedLots";
}
