using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.BusinessCentral;

/// <summary>The AL field types the fake's properties use, with BC's conversions and errors.</summary>
internal enum BcKind
{
    Guid,

    /// <summary>Code[n]: upper-cased and trimmed on write; compared case-insensitively.</summary>
    Code,

    /// <summary>Text[n].</summary>
    Text,
    Decimal,
    Boolean,

    /// <summary>A date; the blank date is written <c>0001-01-01</c>, as BC does.</summary>
    Date,
    DateTime,
    Integer,

    /// <summary>An enum, written as its caption (<c>"Positive Adjmt."</c>, <c>" "</c>...).</summary>
    Enum,
}

/// <summary>A property's type: its kind, its length for Code and Text, its values for an enum.</summary>
internal sealed record BcType(BcKind Kind, int MaxLength = 0, string? EnumName = null, IReadOnlyList<string>? Values = null)
{
    public static readonly BcType Guid = new(BcKind.Guid);
    public static readonly BcType Decimal = new(BcKind.Decimal);
    public static readonly BcType Boolean = new(BcKind.Boolean);
    public static readonly BcType Date = new(BcKind.Date);
    public static readonly BcType DateTime = new(BcKind.DateTime);
    public static readonly BcType Integer = new(BcKind.Integer);

    public static BcType Code(int length) => new(BcKind.Code, length);

    public static BcType Text(int length) => new(BcKind.Text, length);

    public static BcType Enum(string name, params string[] values) => new(BcKind.Enum, EnumName: name, Values: values);

    private string EdmName => Kind switch
    {
        BcKind.Guid => "Edm.Guid",
        BcKind.Decimal => "Edm.Decimal",
        BcKind.Boolean => "Edm.Boolean",
        BcKind.Date => "Edm.Date",
        BcKind.DateTime => "Edm.DateTimeOffset",
        BcKind.Integer => "Edm.Int32",
        BcKind.Enum => "Microsoft.NAV." + EnumName,
        _ => "Edm.String",
    };

    /// <summary>Reads a JSON value of this type, as BC validates it; throws <see cref="BcApiException"/>.</summary>
    public object? Read(JsonNode? node, string property)
    {
        if (node is null)
        {
            if (Kind == BcKind.Date)
            {
                return null;
            }

            throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
                $"A null value was found for the property named '{property}', which has the expected type '{EdmName}[Nullable=False]'. "
                + $"The expected type '{EdmName}[Nullable=False]' does not allow null values.");
        }

        if (node is not JsonValue value)
        {
            throw Mismatch();
        }

        switch (Kind)
        {
            case BcKind.Decimal when value.TryGetValue(out decimal d):
                return d;
            case BcKind.Integer when value.TryGetValue(out int i):
                return i;
            case BcKind.Boolean when value.TryGetValue(out bool b):
                return b;
            case BcKind.Decimal or BcKind.Integer or BcKind.Boolean:
                throw Mismatch();
        }

        if (!value.TryGetValue(out string? text))
        {
            throw Mismatch();
        }

        switch (Kind)
        {
            case BcKind.Guid:
                return System.Guid.TryParse(text, out var guid) ? guid : throw Literal(text);
            case BcKind.Date:
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    throw Literal(text);
                }

                return date == DateOnly.MinValue ? null : date;
            case BcKind.DateTime:
                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                    ? time.ToUniversalTime()
                    : throw Literal(text);
            case BcKind.Enum:
                return Values!.FirstOrDefault(v => string.Equals(v, text, StringComparison.OrdinalIgnoreCase)) ?? throw Literal(text);
            case BcKind.Code:
                text = text.Trim().ToUpperInvariant();
                break;
        }

        if (MaxLength > 0 && text.Length > MaxLength)
        {
            throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.StringExceededLength,
                $"The length of the string is {text.Length}, but it must be less than or equal to {MaxLength} characters. Value: {text}");
        }

        return text;

        BcApiException Mismatch() => new(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
            $"Cannot convert a primitive value to the expected type '{EdmName}'. See the inner exception for more details.");

        BcApiException Literal(string literal) => new(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
            $"Cannot convert the literal '{literal}' to the expected type '{EdmName}'.");
    }

    /// <summary>Writes a value of this type as BC serves it.</summary>
    public JsonNode? Write(object? value) => value switch
    {
        null when Kind == BcKind.Date => "0001-01-01",
        null => null,
        Guid g => BcFormat.Guid(g),
        DateOnly d => BcFormat.Date(d),
        DateTimeOffset t => BcFormat.Time(t),
        decimal d => JsonValue.Create(d),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        bool b => JsonValue.Create(b),
        Uri u => u.ToString(),
        string s => s,
        _ => throw new InvalidOperationException($"No JSON form for {value.GetType()}."),
    };
}

/// <summary>How BC writes keys, dates and times.</summary>
internal static class BcFormat
{
    public static string Guid(Guid id) => id.ToString("D", CultureInfo.InvariantCulture);

    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>JSON text with only the escaping JSON needs (quotes, backslashes, control characters).</summary>
    public static string Json(JsonNode node) => node.ToJsonString(Relaxed);

    public static string Time(DateTimeOffset time)
        => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A weak ETag shaped like BC's: <c>W/"JzE..."</c>, the base64 of <c>'&lt;n&gt;;&lt;data version&gt;;00;'</c>.
    /// </summary>
    public static string ETag(long version)
    {
        var data = Convert.ToBase64String(BitConverter.GetBytes(version)) + "1";
        var raw = "'" + data.Length.ToString(CultureInfo.InvariantCulture) + ";" + data + ";00;'";
        return "W/\"" + Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)) + "\"";
    }
}

/// <summary>One property of an entity type: its JSON name, type, getter and (when writable) setter.</summary>
internal sealed record BcProperty<T>(string Name, BcType Type, Func<T, object?> Get, Func<T, object?, T>? Set = null);

/// <summary>An entity type of the API: how its entities are written to and read from JSON.</summary>
internal sealed class BcEntityType<T>(string typeName, IReadOnlyList<BcProperty<T>> properties, Func<T, string> etag)
{
    private readonly Dictionary<string, BcProperty<T>> _byName = properties.ToDictionary(p => p.Name, StringComparer.Ordinal);

    /// <summary>The OData type name, e.g. <c>item</c> (as in <c>Microsoft.NAV.item</c>).</summary>
    public string TypeName { get; } = typeName;

    public IReadOnlyList<BcProperty<T>> Properties { get; } = properties;

    public BcProperty<T>? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The entity as BC serves it: <c>@odata.etag</c> first, then every (or every selected) property.</summary>
    public JsonObject Write(T entity, IReadOnlySet<string>? select = null)
    {
        var json = new JsonObject { ["@odata.etag"] = etag(entity) };
        foreach (var property in Properties)
        {
            if (select is null || select.Contains(property.Name))
            {
                json[property.Name] = property.Type.Write(property.Get(entity));
            }
        }

        return json;
    }

    public string ETagOf(T entity) => etag(entity);

    /// <summary>
    /// Reads a POST or PATCH body: every property must exist and be writable (<c>@odata.*</c> annotations are
    /// ignored, <c>id</c> is allowed when it equals <paramref name="currentId"/>); names in
    /// <paramref name="navigation"/> are left to the caller.
    /// </summary>
    public Dictionary<string, object?> Read(JsonObject body, Guid? currentId = null, params string[] navigation)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, node) in body)
        {
            if (name.StartsWith("@odata.", StringComparison.Ordinal) || navigation.Contains(name, StringComparer.Ordinal))
            {
                continue;
            }

            var property = Find(name) ?? throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.BadRequest,
                $"The property '{name}' does not exist on type 'Microsoft.NAV.{TypeName}'. Make sure to only use property names that are defined by the type.");
            var value = property.Type.Read(node, name);
            if (property.Set is null)
            {
                if (name == "id" && currentId is { } id && value is Guid given && given == id)
                {
                    continue;
                }

                throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.InvalidOperation, $"Control '{name}' is read-only.");
            }

            values[name] = value;
        }

        return values;
    }

    /// <summary>Applies values read by <see cref="Read"/>.</summary>
    public T Apply(T entity, IReadOnlyDictionary<string, object?> values)
    {
        foreach (var (name, value) in values)
        {
            if (_byName[name].Set is { } set)
            {
                entity = set(entity, value);
            }
        }

        return entity;
    }
}

/// <summary>The entity types of API v2.0 and of the lot journal extension, as far as the sandbox models them.</summary>
internal static class BcSchema
{
    public static readonly string[] ItemTypes = ["Inventory", "Service", "Non-Inventory"];
    public static readonly string[] CustomerBlocked = [" ", "Ship", "Invoice", "All"];
    public static readonly string[] JournalEntryTypes = ["Positive Adjmt.", "Negative Adjmt.", "Transfer"];

    public static readonly BcEntityType<BcCompany> Company = new("company",
    [
        new("id", BcType.Guid, c => c.Id),
        new("systemVersion", BcType.Text(250), c => c.SystemVersion),
        new("timestamp", BcType.Integer, c => c.Timestamp),
        new("name", BcType.Text(30), c => c.Name),
        new("displayName", BcType.Text(250), c => c.DisplayName),
        new("businessProfileId", BcType.Text(250), c => c.BusinessProfileId),
        new("systemCreatedAt", BcType.DateTime, c => c.SystemCreatedAt),
        new("systemCreatedBy", BcType.Guid, _ => System.Guid.Empty),
        new("systemModifiedAt", BcType.DateTime, c => c.SystemModifiedAt),
        new("systemModifiedBy", BcType.Guid, _ => System.Guid.Empty),
    ], c => c.ETag);

    public static readonly BcEntityType<BcItem> Item = new("item",
    [
        new("id", BcType.Guid, i => i.Id),
        new("number", BcType.Code(20), i => i.Number, (i, v) => i with { Number = (string)v! }),
        new("displayName", BcType.Text(100), i => i.DisplayName, (i, v) => i with { DisplayName = (string)v! }),
        new("displayName2", BcType.Text(50), i => i.DisplayName2, (i, v) => i with { DisplayName2 = (string)v! }),
        new("type", BcType.Enum("itemType", ItemTypes), i => i.Type, (i, v) => i with { Type = (string)v! }),
        new("itemCategoryCode", BcType.Code(20), i => i.ItemCategoryCode, (i, v) => i with { ItemCategoryCode = (string)v! }),
        new("blocked", BcType.Boolean, i => i.Blocked, (i, v) => i with { Blocked = (bool)v! }),
        new("gtin", BcType.Code(14), i => i.Gtin, (i, v) => i with { Gtin = (string)v! }),
        new("inventory", BcType.Decimal, i => i.Inventory, (i, v) => i with { Inventory = (decimal)v! }),
        new("unitPrice", BcType.Decimal, i => i.UnitPrice, (i, v) => i with { UnitPrice = (decimal)v! }),
        new("priceIncludesTax", BcType.Boolean, i => i.PriceIncludesTax, (i, v) => i with { PriceIncludesTax = (bool)v! }),
        new("unitCost", BcType.Decimal, i => i.UnitCost, (i, v) => i with { UnitCost = (decimal)v! }),
        new("taxGroupCode", BcType.Code(20), i => i.TaxGroupCode, (i, v) => i with { TaxGroupCode = (string)v! }),
        new("baseUnitOfMeasureCode", BcType.Code(10), i => i.BaseUnitOfMeasureCode, (i, v) => i with { BaseUnitOfMeasureCode = (string)v! }),
        new("generalProductPostingGroupCode", BcType.Code(20), i => i.GeneralProductPostingGroupCode,
            (i, v) => i with { GeneralProductPostingGroupCode = (string)v! }),
        new("inventoryPostingGroupCode", BcType.Code(20), i => i.InventoryPostingGroupCode, (i, v) => i with { InventoryPostingGroupCode = (string)v! }),
        new("lastModifiedDateTime", BcType.DateTime, i => i.LastModifiedDateTime),
    ], i => i.ETag);

    public static readonly BcEntityType<BcCustomer> Customer = new("customer",
    [
        new("id", BcType.Guid, c => c.Id),
        new("number", BcType.Code(20), c => c.Number, (c, v) => c with { Number = (string)v! }),
        new("displayName", BcType.Text(100), c => c.DisplayName, (c, v) => c with { DisplayName = (string)v! }),
        new("type", BcType.Enum("contactType", "Company", "Person"), c => c.Type, (c, v) => c with { Type = (string)v! }),
        new("addressLine1", BcType.Text(100), c => c.AddressLine1, (c, v) => c with { AddressLine1 = (string)v! }),
        new("addressLine2", BcType.Text(50), c => c.AddressLine2, (c, v) => c with { AddressLine2 = (string)v! }),
        new("city", BcType.Text(30), c => c.City, (c, v) => c with { City = (string)v! }),
        new("state", BcType.Text(30), c => c.State, (c, v) => c with { State = (string)v! }),
        new("country", BcType.Code(10), c => c.Country, (c, v) => c with { Country = (string)v! }),
        new("postalCode", BcType.Code(20), c => c.PostalCode, (c, v) => c with { PostalCode = (string)v! }),
        new("phoneNumber", BcType.Text(30), c => c.PhoneNumber, (c, v) => c with { PhoneNumber = (string)v! }),
        new("email", BcType.Text(80), c => c.Email, (c, v) => c with { Email = (string)v! }),
        new("website", BcType.Text(80), c => c.Website, (c, v) => c with { Website = (string)v! }),
        new("taxLiable", BcType.Boolean, c => c.TaxLiable, (c, v) => c with { TaxLiable = (bool)v! }),
        new("taxAreaCode", BcType.Code(20), c => c.TaxAreaCode, (c, v) => c with { TaxAreaCode = (string)v! }),
        new("taxRegistrationNumber", BcType.Text(20), c => c.TaxRegistrationNumber, (c, v) => c with { TaxRegistrationNumber = (string)v! }),
        new("currencyCode", BcType.Code(10), c => BcCurrencies.Serve(c.CurrencyCode), (c, v) => c with { CurrencyCode = BcCurrencies.Store((string)v!) }),
        new("blocked", BcType.Enum("customerBlocked", CustomerBlocked), c => c.Blocked, (c, v) => c with { Blocked = (string)v! }),
        new("lastModifiedDateTime", BcType.DateTime, c => c.LastModifiedDateTime),
    ], c => c.ETag);

    public static readonly BcEntityType<BcSalesOrderLine> SalesOrderLine = new("salesOrderLine",
    [
        new("id", BcType.Guid, l => l.Id),
        new("documentId", BcType.Guid, l => l.DocumentId),
        new("sequence", BcType.Integer, l => l.Sequence, (l, v) => l with { Sequence = (int)v! }),
        new("itemId", BcType.Guid, l => l.ItemId ?? System.Guid.Empty, (l, v) => l with { ItemId = (Guid)v! }),
        new("lineType", BcType.Enum("invoiceLineAggLineType", "Comment", "Item"), l => l.LineType, (l, v) => l with { LineType = (string)v! }),
        new("lineObjectNumber", BcType.Code(20), l => l.LineObjectNumber, (l, v) => l with { LineObjectNumber = (string)v! }),
        new("description", BcType.Text(100), l => l.Description, (l, v) => l with { Description = (string)v! }),
        new("unitOfMeasureCode", BcType.Code(10), l => l.UnitOfMeasureCode, (l, v) => l with { UnitOfMeasureCode = (string)v! }),
        new("quantity", BcType.Decimal, l => l.Quantity, (l, v) => l with { Quantity = (decimal)v! }),
        new("unitPrice", BcType.Decimal, l => l.UnitPrice, (l, v) => l with { UnitPrice = (decimal)v! }),
        new("netAmount", BcType.Decimal, l => l.NetAmount),
        new("shipmentDate", BcType.Date, l => l.ShipmentDate, (l, v) => l with { ShipmentDate = (DateOnly?)v }),
        new("shipQuantity", BcType.Decimal, l => l.ShipQuantity, (l, v) => l with { ShipQuantity = (decimal)v! }),
        new("shippedQuantity", BcType.Decimal, l => l.ShippedQuantity),
        new("invoicedQuantity", BcType.Decimal, l => l.InvoicedQuantity),
    ], l => l.ETag);

    public static readonly BcEntityType<BcSalesOrder> SalesOrder = new("salesOrder",
    [
        new("id", BcType.Guid, o => o.Id),
        new("number", BcType.Code(20), o => o.Number),
        new("externalDocumentNumber", BcType.Code(35), o => o.ExternalDocumentNumber, (o, v) => o with { ExternalDocumentNumber = (string)v! }),
        new("orderDate", BcType.Date, o => o.OrderDate, (o, v) => o with { OrderDate = (DateOnly?)v ?? o.OrderDate }),
        new("postingDate", BcType.Date, o => o.PostingDate, (o, v) => o with { PostingDate = (DateOnly?)v ?? o.PostingDate }),
        new("customerId", BcType.Guid, o => o.CustomerId, (o, v) => o with { CustomerId = (Guid)v! }),
        new("customerNumber", BcType.Code(20), o => o.CustomerNumber, (o, v) => o with { CustomerNumber = (string)v! }),
        new("customerName", BcType.Text(100), o => o.CustomerName),
        new("shipToName", BcType.Text(100), o => o.ShipToName, (o, v) => o with { ShipToName = (string)v! }),
        new("shipToContact", BcType.Text(100), o => o.ShipToContact, (o, v) => o with { ShipToContact = (string)v! }),
        new("shipToAddressLine1", BcType.Text(100), o => o.ShipToAddressLine1, (o, v) => o with { ShipToAddressLine1 = (string)v! }),
        new("shipToAddressLine2", BcType.Text(50), o => o.ShipToAddressLine2, (o, v) => o with { ShipToAddressLine2 = (string)v! }),
        new("shipToCity", BcType.Text(30), o => o.ShipToCity, (o, v) => o with { ShipToCity = (string)v! }),
        new("shipToCountry", BcType.Code(10), o => o.ShipToCountry, (o, v) => o with { ShipToCountry = (string)v! }),
        new("shipToState", BcType.Text(30), o => o.ShipToState, (o, v) => o with { ShipToState = (string)v! }),
        new("shipToPostCode", BcType.Code(20), o => o.ShipToPostCode, (o, v) => o with { ShipToPostCode = (string)v! }),
        new("currencyCode", BcType.Code(10), o => BcCurrencies.Serve(o.CurrencyCode), (o, v) => o with { CurrencyCode = BcCurrencies.Store((string)v!) }),
        new("partialShipping", BcType.Boolean, o => o.PartialShipping, (o, v) => o with { PartialShipping = (bool)v! }),
        new("requestedDeliveryDate", BcType.Date, o => o.RequestedDeliveryDate, (o, v) => o with { RequestedDeliveryDate = (DateOnly?)v }),
        new("totalAmountExcludingTax", BcType.Decimal, o => o.TotalAmountExcludingTax),
        new("fullyShipped", BcType.Boolean, o => o.FullyShipped),
        new("status", BcType.Enum("salesOrderEntityBufferStatus", "Draft", "In Review", "Open"), o => o.Status),
        new("lastModifiedDateTime", BcType.DateTime, o => o.LastModifiedDateTime),
        new("phoneNumber", BcType.Text(30), o => o.PhoneNumber, (o, v) => o with { PhoneNumber = (string)v! }),
        new("email", BcType.Text(80), o => o.Email, (o, v) => o with { Email = (string)v! }),
    ], o => o.ETag);

    public static readonly BcEntityType<BcShipmentLine> ShipmentLine = new("salesShipmentLine",
    [
        new("id", BcType.Guid, l => l.Id),
        new("documentId", BcType.Guid, l => l.DocumentId),
        new("sequence", BcType.Integer, l => l.Sequence),
        new("lineType", BcType.Enum("salesShipmentLineType", "Comment", "Item"), l => l.LineType),
        new("lineObjectNumber", BcType.Code(20), l => l.LineObjectNumber),
        new("description", BcType.Text(100), l => l.Description),
        new("unitOfMeasureCode", BcType.Code(10), l => l.UnitOfMeasureCode),
        new("unitPrice", BcType.Decimal, l => l.UnitPrice),
        new("quantity", BcType.Decimal, l => l.Quantity),
    ], l => l.ETag);

    public static readonly BcEntityType<BcShipment> Shipment = new("salesShipment",
    [
        new("id", BcType.Guid, s => s.Id),
        new("number", BcType.Code(20), s => s.Number),
        new("externalDocumentNumber", BcType.Code(35), s => s.ExternalDocumentNumber),
        new("orderNumber", BcType.Code(20), s => s.OrderNumber),
        new("customerId", BcType.Guid, s => s.CustomerId),
        new("customerNumber", BcType.Code(20), s => s.CustomerNumber),
        new("customerName", BcType.Text(100), s => s.CustomerName),
        new("postingDate", BcType.Date, s => s.PostingDate),
        new("shipmentDate", BcType.Date, s => s.ShipmentDate),
        new("lastModifiedDateTime", BcType.DateTime, s => s.LastModifiedDateTime),
    ], s => s.ETag);

    public static readonly BcEntityType<BcInvoice> Invoice = new("salesInvoice",
    [
        new("id", BcType.Guid, i => i.Id),
        new("number", BcType.Code(20), i => i.Number),
        new("externalDocumentNumber", BcType.Code(35), i => i.ExternalDocumentNumber),
        new("invoiceDate", BcType.Date, i => i.InvoiceDate),
        new("postingDate", BcType.Date, i => i.PostingDate),
        new("customerId", BcType.Guid, i => i.CustomerId),
        new("customerNumber", BcType.Code(20), i => i.CustomerNumber),
        new("customerName", BcType.Text(100), i => i.CustomerName),
        new("orderId", BcType.Guid, i => i.OrderId),
        new("orderNumber", BcType.Code(20), i => i.OrderNumber),
        new("currencyCode", BcType.Code(10), i => BcCurrencies.Serve(i.CurrencyCode)),
        new("totalAmountExcludingTax", BcType.Decimal, i => i.TotalAmountExcludingTax),
        new("status", BcType.Enum("invoiceEntityAggregateStatus", "Draft", "In Review", "Open", "Paid", "Canceled", "Corrective"), i => i.Status),
        new("lastModifiedDateTime", BcType.DateTime, i => i.LastModifiedDateTime),
    ], i => i.ETag);

    public static readonly BcEntityType<BcSubscription> Subscription = new("subscription",
    [
        new("subscriptionId", BcType.Text(150), s => s.SubscriptionId),
        new("notificationUrl", BcType.Text(0), s => s.NotificationUrl, (s, v) => s with { NotificationUrl = new Uri((string)v!) }),
        new("resource", BcType.Text(0), s => s.Resource, (s, v) => s with { Resource = (string)v! }),
        new("userId", BcType.Guid, s => s.UserId),
        new("lastModifiedDateTime", BcType.DateTime, s => s.LastModifiedDateTime),
        new("clientState", BcType.Text(2048), s => s.ClientState, (s, v) => s with { ClientState = (string)v! }),
        new("expirationDateTime", BcType.DateTime, s => s.ExpirationDateTime),
        new("systemCreatedAt", BcType.DateTime, s => s.SystemCreatedAt),
    ], s => s.ETag);

    /// <summary>API v2.0's <c>itemLedgerEntries</c> (read-only; as in BC, no lot and no location).</summary>
    public static readonly BcEntityType<BcItemLedgerEntry> LedgerEntry = new("itemLedgerEntry",
    [
        new("entryNumber", BcType.Integer, e => e.EntryNumber),
        new("itemNumber", BcType.Code(20), e => e.ItemNumber),
        new("postingDate", BcType.Date, e => e.PostingDate),
        new("entryType", BcType.Enum("itemLedgerEntryType", "Purchase", "Sale", "Positive Adjmt.", "Negative Adjmt.", "Transfer", "Consumption", "Output"),
            e => e.EntryType),
        new("documentNumber", BcType.Code(20), e => e.DocumentNumber),
        new("quantity", BcType.Decimal, e => e.Quantity),
    ], e => BcFormat.ETag(e.EntryNumber));

    public static readonly BcEntityType<BcLotJournalLine> LotJournalLine = new("itemJournalLine",
    [
        new("id", BcType.Guid, l => l.Id),
        new("journalName", BcType.Code(10), l => l.JournalName, (l, v) => l with { JournalName = (string)v! }),
        new("documentNumber", BcType.Code(20), l => l.DocumentNumber, (l, v) => l with { DocumentNumber = (string)v! }),
        new("postingDate", BcType.Date, l => l.PostingDate, (l, v) => l with { PostingDate = (DateOnly?)v ?? l.PostingDate }),
        new("itemNumber", BcType.Code(20), l => l.ItemNumber, (l, v) => l with { ItemNumber = (string)v! }),
        new("lotNumber", BcType.Code(50), l => l.LotNumber, (l, v) => l with { LotNumber = (string)v! }),
        new("quantity", BcType.Decimal, l => l.Quantity, (l, v) => l with { Quantity = (decimal)v! }),
        new("locationCode", BcType.Code(10), l => l.LocationCode, (l, v) => l with { LocationCode = (string)v! }),
        new("newLocationCode", BcType.Code(10), l => l.NewLocationCode, (l, v) => l with { NewLocationCode = (string)v! }),
        new("entryType", BcType.Enum("itemJournalEntryType", JournalEntryTypes), l => l.EntryType, (l, v) => l with { EntryType = (string)v! }),
        new("unitOfMeasureCode", BcType.Code(10), l => l.UnitOfMeasureCode, (l, v) => l with { UnitOfMeasureCode = (string)v! }),
        new("description", BcType.Text(100), l => l.Description, (l, v) => l with { Description = (string)v! }),
        new("posted", BcType.Boolean, l => l.Posted),
        new("lastModifiedDateTime", BcType.DateTime, l => l.LastModifiedDateTime),
    ], l => l.ETag);
}

/// <summary>
/// The currencies of the sandbox company. The local currency (USD) is stored blank and served as <c>USD</c>, as BC's
/// API translates it; an unknown code is refused as BC refuses it.
/// </summary>
internal static class BcCurrencies
{
    public const string Local = "USD";

    private static readonly string[] Known = ["CAD", "EUR", "GBP", "MXN"];

    public static string Serve(string stored) => stored.Length == 0 ? Local : stored;

    public static string Store(string given)
    {
        if (given.Length == 0 || given == Local)
        {
            return string.Empty;
        }

        return Known.Contains(given, StringComparer.Ordinal)
            ? given
            : throw new BcApiException(StatusCodes.Status400BadRequest, BcErrors.DialogException, "The \"currencyCode\" does not match to a Currency.");
    }
}

/// <summary>Reads request bodies as BC does: a JSON object, or 400 <c>BadRequest</c> "Invalid Request Body".</summary>
internal static class BcBody
{
    public static async Task<JsonObject> ReadAsync(HttpRequest request)
    {
        if (!request.HasJsonContentType())
        {
            throw BcErrors.InvalidBody("the Content-Type must be application/json.");
        }

        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return node as JsonObject ?? throw BcErrors.InvalidBody("the body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw BcErrors.InvalidBody(ex.Message);
        }
    }
}
