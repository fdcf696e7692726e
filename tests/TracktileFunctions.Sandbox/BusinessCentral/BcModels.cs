namespace TracktileFunctions.Sandbox.BusinessCentral;

// What the fake Business Central holds, as immutable snapshots (SandboxState.Bc*). Property names follow the API
// v2.0 field names; every entity carries the weak ETag it is served with (ETag), which changes on every write.

/// <summary>A company (<c>GET companies</c>); not company-scoped.</summary>
public sealed record BcCompany(
    Guid Id,
    string SystemVersion,
    long Timestamp,
    string Name,
    string DisplayName,
    string BusinessProfileId,
    DateTimeOffset SystemCreatedAt,
    DateTimeOffset SystemModifiedAt,
    string ETag);

/// <summary>An item (<c>companies({id})/items</c>). <see cref="Inventory"/> is computed from <see cref="BcItemLedgerEntry"/>s, as BC's FlowField is.</summary>
/// <param name="Type"><c>Inventory</c>, <c>Service</c> or <c>Non-Inventory</c>.</param>
public sealed record BcItem(
    Guid Id,
    string Number,
    string DisplayName,
    string DisplayName2,
    string Type,
    string ItemCategoryCode,
    bool Blocked,
    string Gtin,
    decimal Inventory,
    decimal UnitPrice,
    bool PriceIncludesTax,
    decimal UnitCost,
    string TaxGroupCode,
    string BaseUnitOfMeasureCode,
    string GeneralProductPostingGroupCode,
    string InventoryPostingGroupCode,
    DateTimeOffset LastModifiedDateTime,
    string ETag);

/// <summary>A customer (<c>companies({id})/customers</c>).</summary>
/// <param name="Type"><c>Company</c> or <c>Person</c>.</param>
/// <param name="CurrencyCode">Empty for the local currency (served as <c>USD</c>).</param>
/// <param name="Blocked"><c>" "</c> (not blocked), <c>Ship</c>, <c>Invoice</c> or <c>All</c>.</param>
public sealed record BcCustomer(
    Guid Id,
    string Number,
    string DisplayName,
    string Type,
    string AddressLine1,
    string AddressLine2,
    string City,
    string State,
    string Country,
    string PostalCode,
    string PhoneNumber,
    string Email,
    string Website,
    bool TaxLiable,
    string TaxAreaCode,
    string TaxRegistrationNumber,
    string CurrencyCode,
    string Blocked,
    DateTimeOffset LastModifiedDateTime,
    string ETag);

/// <summary>A sales order (<c>companies({id})/salesOrders</c>) with its lines, oldest line first by sequence.</summary>
/// <param name="CurrencyCode">Empty for the local currency (served as <c>USD</c>).</param>
/// <param name="Status"><c>Draft</c> (the only status the sandbox sets).</param>
public sealed record BcSalesOrder(
    Guid Id,
    string Number,
    string ExternalDocumentNumber,
    DateOnly OrderDate,
    DateOnly PostingDate,
    Guid CustomerId,
    string CustomerNumber,
    string CustomerName,
    string CurrencyCode,
    DateOnly? RequestedDeliveryDate,
    string ShipToName,
    string ShipToContact,
    string ShipToAddressLine1,
    string ShipToAddressLine2,
    string ShipToCity,
    string ShipToState,
    string ShipToCountry,
    string ShipToPostCode,
    string PhoneNumber,
    string Email,
    bool PartialShipping,
    string Status,
    bool FullyShipped,
    DateTimeOffset LastModifiedDateTime,
    string ETag,
    IReadOnlyList<BcSalesOrderLine> Lines)
{
    /// <summary>The sum of the lines' <see cref="BcSalesOrderLine.NetAmount"/>.</summary>
    public decimal TotalAmountExcludingTax => Lines.Sum(l => l.NetAmount);
}

/// <summary>A sales order line (<c>salesOrders({id})/salesOrderLines</c>).</summary>
/// <param name="LineType"><c>Item</c> or <c>Comment</c>.</param>
/// <param name="ShipQuantity">What the next <c>Microsoft.NAV.shipAndInvoice</c> ships (writable; the rest of the quantity by default).</param>
/// <param name="ShippedQuantity">Read-only: what was shipped so far.</param>
/// <param name="InvoicedQuantity">Read-only: what was invoiced so far.</param>
public sealed record BcSalesOrderLine(
    Guid Id,
    Guid DocumentId,
    int Sequence,
    Guid? ItemId,
    string LineType,
    string LineObjectNumber,
    string Description,
    string UnitOfMeasureCode,
    decimal Quantity,
    decimal UnitPrice,
    decimal ShipQuantity,
    decimal ShippedQuantity,
    decimal InvoicedQuantity,
    DateOnly? ShipmentDate,
    string ETag)
{
    /// <summary><see cref="Quantity"/> times <see cref="UnitPrice"/>.</summary>
    public decimal NetAmount => Quantity * UnitPrice;
}

/// <summary>A posted sales shipment (<c>companies({id})/salesShipments</c>, read-only), made by <c>shipAndInvoice</c>.</summary>
public sealed record BcShipment(
    Guid Id,
    string Number,
    string OrderNumber,
    string ExternalDocumentNumber,
    Guid CustomerId,
    string CustomerNumber,
    string CustomerName,
    DateOnly PostingDate,
    DateOnly ShipmentDate,
    DateTimeOffset LastModifiedDateTime,
    string ETag,
    IReadOnlyList<BcShipmentLine> Lines);

/// <summary>A line of a posted shipment (<c>salesShipments({id})/salesShipmentLines</c>).</summary>
public sealed record BcShipmentLine(
    Guid Id,
    Guid DocumentId,
    int Sequence,
    string LineType,
    string LineObjectNumber,
    string Description,
    string UnitOfMeasureCode,
    decimal Quantity,
    decimal UnitPrice,
    string ETag);

/// <summary>A posted sales invoice (<c>companies({id})/salesInvoices</c>, read-only in the sandbox), made by <c>shipAndInvoice</c>.</summary>
public sealed record BcInvoice(
    Guid Id,
    string Number,
    string OrderNumber,
    Guid OrderId,
    string ExternalDocumentNumber,
    Guid CustomerId,
    string CustomerNumber,
    string CustomerName,
    DateOnly InvoiceDate,
    DateOnly PostingDate,
    string CurrencyCode,
    string Status,
    decimal TotalAmountExcludingTax,
    DateTimeOffset LastModifiedDateTime,
    string ETag);

/// <summary>
/// A line of the customer's lot-tracked item journal extension
/// (<c>api/tracktile/inventory/v1.0/companies({id})/itemJournalLines</c>).
/// </summary>
/// <param name="Quantity">Positive for a positive adjustment or a transfer, negative for a negative adjustment.</param>
/// <param name="EntryType"><c>Positive Adjmt.</c>, <c>Negative Adjmt.</c> or <c>Transfer</c>.</param>
/// <param name="NewLocationCode">Where a transfer goes; empty otherwise.</param>
public sealed record BcLotJournalLine(
    Guid Id,
    string JournalName,
    string DocumentNumber,
    DateOnly PostingDate,
    string ItemNumber,
    string LotNumber,
    decimal Quantity,
    string LocationCode,
    string NewLocationCode,
    string EntryType,
    string UnitOfMeasureCode,
    string Description,
    bool Posted,
    DateTimeOffset LastModifiedDateTime,
    string ETag);

/// <summary>One item ledger entry: what posting did to the stock of an item (and lot, and location).</summary>
/// <param name="EntryType"><c>Positive Adjmt.</c>, <c>Negative Adjmt.</c>, <c>Transfer</c> or <c>Sale</c>.</param>
/// <param name="Quantity">Signed: what the entry added to the stock.</param>
public sealed record BcItemLedgerEntry(
    int EntryNumber,
    string ItemNumber,
    string LotNumber,
    string LocationCode,
    DateOnly PostingDate,
    string EntryType,
    string DocumentNumber,
    decimal Quantity);

/// <summary>A webhook subscription (<c>api/v2.0/subscriptions</c>).</summary>
public sealed record BcSubscription(
    string SubscriptionId,
    Uri NotificationUrl,
    string Resource,
    Guid UserId,
    string ClientState,
    DateTimeOffset ExpirationDateTime,
    DateTimeOffset LastModifiedDateTime,
    DateTimeOffset SystemCreatedAt,
    string ETag);

/// <summary>A change waiting to be notified to a subscription.</summary>
/// <param name="ChangeType"><c>created</c>, <c>updated</c>, <c>deleted</c> or <c>collection</c>.</param>
/// <param name="Resource">The resource the notification names (an entity, or for a collection the set with a filter).</param>
public sealed record BcPendingNotification(string SubscriptionId, string ChangeType, string Resource, DateTimeOffset LastModifiedDateTime, int Attempts);

/// <summary>What became of a notification POST.</summary>
public enum BcDeliveryOutcome
{
    /// <summary>2xx: the notifications are done.</summary>
    Delivered,

    /// <summary>408, 429, 5xx or no answer: kept for the next delivery.</summary>
    Retry,

    /// <summary>Any other status: BC deletes every subscription in the POST.</summary>
    SubscriptionsDeleted,
}

/// <summary>One notification POST to a <c>notificationUrl</c>, with what it carried and what the receiver answered.</summary>
/// <param name="Body">The exact JSON posted: <c>{"value":[...]}</c>.</param>
/// <param name="StatusCode">The receiver's status; <see langword="null"/> when it did not answer in time.</param>
public sealed record BcNotificationDelivery(
    DateTimeOffset Time,
    Uri NotificationUrl,
    IReadOnlyList<string> SubscriptionIds,
    string Body,
    int? StatusCode,
    BcDeliveryOutcome Outcome);

/// <summary>One handshake (<c>POST notificationUrl?validationToken=...</c>) made for a subscription create or renewal.</summary>
/// <param name="StatusCode">The receiver's status; <see langword="null"/> when it did not answer in time.</param>
/// <param name="Succeeded">Whether it answered 200 with exactly the token as its body.</param>
public sealed record BcHandshake(DateTimeOffset Time, Uri NotificationUrl, string ValidationToken, int? StatusCode, bool Succeeded);

/// <summary>
/// One operation of a <c>$batch</c> request (<see cref="SandboxState.BcBatchOperations"/>), as received and as answered.
/// The batch request itself is one <see cref="Recording.SandboxCall"/> in <see cref="SandboxState.Calls"/>.
/// </summary>
/// <param name="Batch">The batch's number: 1, 2… in the order the sandbox read the batches since the start or <see cref="SandboxState.Reset"/>.</param>
/// <param name="Index">The operation's place in <c>requests</c>, from 0.</param>
/// <param name="Id">Its <c>id</c>; <see langword="null"/> when it had none (BC answers <c>"id": null</c> then).</param>
/// <param name="Method">Its method, upper-cased.</param>
/// <param name="Url">Its <c>url</c> as sent, e.g. <c>companies(…)/items?$filter=number eq '1000'</c>.</param>
/// <param name="Path">The path the URL resolves to against the batch URL, e.g. <c>/bc/v2.0/sandbox-tenant/production/api/v2.0/companies(…)/items</c>.</param>
/// <param name="Query">The resolved query string including <c>?</c>, or empty.</param>
/// <param name="AtomicityGroup">Its <c>atomicityGroup</c>, if any.</param>
/// <param name="Headers">Its <c>headers</c> as sent (<c>If-Match</c>, <c>Content-Type</c>...).</param>
/// <param name="Body">Its <c>body</c> as JSON text; empty when it had none.</param>
/// <param name="StatusCode">The status answered for it; <see langword="null"/> when it was not run (the batch stopped at an earlier failure).</param>
/// <param name="Fault">The fault rule applied to it (matched by its method and resolved path), if any.</param>
/// <param name="RolledBack">Whether its effect was undone: <c>Isolation: snapshot</c> and an operation of the batch failed.</param>
/// <param name="Time">When it was run (or, when not run, when the batch arrived).</param>
public sealed record BcBatchOperation(
    int Batch,
    int Index,
    string? Id,
    string Method,
    string Url,
    string Path,
    string Query,
    string? AtomicityGroup,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    int? StatusCode,
    Faults.FaultKind? Fault,
    bool RolledBack,
    DateTimeOffset Time);
