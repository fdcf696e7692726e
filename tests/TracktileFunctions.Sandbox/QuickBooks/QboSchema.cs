using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>
/// The writable fields of the entities the fake serves, with their types and QuickBooks' maximum lengths
/// (Finance.xsd / IntuitBaseTypes.xsd names). A request body is filtered through it: unknown properties are dropped
/// silently, as QuickBooks does (a misspelt field is lost without an error); a value of the wrong type answers 2010
/// and a string too long 2050.
/// </summary>
internal static class QboSchema
{
    public static readonly QboShape Ref = new QboObject(new()
    {
        ["value"] = new QboString(100),
        ["name"] = new QboString(500),
    });

    private static readonly QboShape PhysicalAddress = new QboObject(new()
    {
        ["Id"] = new QboString(20),
        ["Line1"] = new QboString(500),
        ["Line2"] = new QboString(500),
        ["Line3"] = new QboString(500),
        ["Line4"] = new QboString(500),
        ["Line5"] = new QboString(500),
        ["City"] = new QboString(255),
        ["Country"] = new QboString(255),
        ["CountryCode"] = new QboString(255),
        ["County"] = new QboString(25),
        ["CountrySubDivisionCode"] = new QboString(255),
        ["PostalCode"] = new QboString(30),
        ["PostalCodeSuffix"] = new QboString(30),
        ["Lat"] = new QboString(50),
        ["Long"] = new QboString(50),
    });

    private static readonly QboShape Email = new QboObject(new() { ["Address"] = new QboString(100) });

    private static readonly QboShape EmailList = new QboObject(new() { ["Address"] = new QboString(200) });

    private static readonly QboShape Phone = new QboObject(new() { ["FreeFormNumber"] = new QboString(30) });

    private static readonly QboShape Web = new QboObject(new() { ["URI"] = new QboString(1000) });

    private static readonly QboShape Memo = new QboObject(new() { ["value"] = new QboString(1000) });

    private static readonly QboShape SalesItemLineDetail = new QboObject(new()
    {
        ["ItemRef"] = Ref,
        ["Qty"] = QboNumber.Instance,
        ["UnitPrice"] = QboNumber.Instance,
        ["ServiceDate"] = QboDate.Instance,
        ["TaxCodeRef"] = Ref,
        ["ClassRef"] = Ref,
        ["ItemAccountRef"] = Ref,
        ["PriceLevelRef"] = Ref,
        ["UOMRef"] = Ref,
        ["InventorySiteRef"] = Ref,
        ["TaxClassificationRef"] = Ref,
        ["RatePercent"] = QboNumber.Instance,
        ["TaxInclusiveAmt"] = QboNumber.Instance,
        ["DiscountRate"] = QboNumber.Instance,
        ["DiscountAmt"] = QboNumber.Instance,
    });

    private static readonly QboShape Line = new QboObject(new()
    {
        ["Id"] = new QboString(20),
        ["LineNum"] = QboNumber.Instance,
        ["Description"] = new QboString(4000),
        ["Amount"] = QboNumber.Instance,
        ["DetailType"] = new QboString(100),
        ["SalesItemLineDetail"] = SalesItemLineDetail,
        ["SubTotalLineDetail"] = new QboObject([]),
        ["DescriptionLineDetail"] = new QboObject(new() { ["ServiceDate"] = QboDate.Instance }),
        ["DiscountLineDetail"] = new QboObject([]),
        ["GroupLineDetail"] = new QboObject([]),
    });

    private static readonly QboShape CustomField = new QboObject(new()
    {
        ["DefinitionId"] = new QboString(100),
        ["Name"] = new QboString(100),
        ["Type"] = new QboString(100),
        ["StringValue"] = new QboString(100),
    });

    /// <summary>Customer's writable fields.</summary>
    public static readonly QboObject Customer = new(new()
    {
        ["Title"] = new QboString(16),
        ["GivenName"] = new QboString(100),
        ["MiddleName"] = new QboString(100),
        ["FamilyName"] = new QboString(100),
        ["Suffix"] = new QboString(16),
        ["DisplayName"] = new QboString(500),
        ["CompanyName"] = new QboString(100),
        ["PrintOnCheckName"] = new QboString(110),
        ["Active"] = QboBool.Instance,
        ["PrimaryPhone"] = Phone,
        ["AlternatePhone"] = Phone,
        ["Mobile"] = Phone,
        ["Fax"] = Phone,
        ["PrimaryEmailAddr"] = Email,
        ["WebAddr"] = Web,
        ["BillAddr"] = PhysicalAddress,
        ["ShipAddr"] = PhysicalAddress,
        ["Notes"] = new QboString(2000),
        ["Taxable"] = QboBool.Instance,
        ["Job"] = QboBool.Instance,
        ["BillWithParent"] = QboBool.Instance,
        ["ParentRef"] = Ref,
        ["PreferredDeliveryMethod"] = new QboString(10),
        ["ResaleNum"] = new QboString(16),
        ["CurrencyRef"] = Ref,
        ["SalesTermRef"] = Ref,
        ["PaymentMethodRef"] = Ref,
        ["DefaultTaxCodeRef"] = Ref,
        ["OpenBalanceDate"] = QboDate.Instance,
        ["ARAccountRef"] = Ref,
        ["PrimaryTaxIdentifier"] = new QboString(20),
        ["SecondaryTaxIdentifier"] = new QboString(20),
        ["TaxExemptionReasonId"] = QboNumber.Instance,
    });

    /// <summary>Item's writable fields.</summary>
    public static readonly QboObject Item = new(new()
    {
        ["Name"] = new QboString(100),
        ["Sku"] = new QboString(100),
        ["Description"] = new QboString(4000),
        ["Active"] = QboBool.Instance,
        ["SubItem"] = QboBool.Instance,
        ["ParentRef"] = Ref,
        ["Taxable"] = QboBool.Instance,
        ["SalesTaxIncluded"] = QboBool.Instance,
        ["UnitPrice"] = QboNumber.Instance,
        ["Type"] = new QboString(100),
        ["IncomeAccountRef"] = Ref,
        ["PurchaseDesc"] = new QboString(1000),
        ["PurchaseTaxIncluded"] = QboBool.Instance,
        ["PurchaseCost"] = QboNumber.Instance,
        ["ExpenseAccountRef"] = Ref,
        ["AssetAccountRef"] = Ref,
        ["PrefVendorRef"] = Ref,
        ["TrackQtyOnHand"] = QboBool.Instance,
        ["QtyOnHand"] = QboNumber.Instance,
        ["InvStartDate"] = QboDate.Instance,
        ["ReorderPoint"] = QboNumber.Instance,
        ["SalesTaxCodeRef"] = Ref,
        ["PurchaseTaxCodeRef"] = Ref,
        ["ClassRef"] = Ref,
    });

    /// <summary>Invoice's writable fields.</summary>
    public static readonly QboObject Invoice = new(new()
    {
        ["DocNumber"] = new QboString(21),
        ["TxnDate"] = QboDate.Instance,
        ["DueDate"] = QboDate.Instance,
        ["CustomerRef"] = Ref,
        ["Line"] = new QboArray(Line),
        ["PrivateNote"] = new QboString(4000),
        ["CustomerMemo"] = Memo,
        ["BillEmail"] = Email,
        ["BillEmailCc"] = EmailList,
        ["BillEmailBcc"] = EmailList,
        ["BillAddr"] = PhysicalAddress,
        ["ShipAddr"] = PhysicalAddress,
        ["SalesTermRef"] = Ref,
        ["CurrencyRef"] = Ref,
        ["ClassRef"] = Ref,
        ["DepartmentRef"] = Ref,
        ["ShipMethodRef"] = Ref,
        ["ShipDate"] = QboDate.Instance,
        ["TrackingNum"] = new QboString(31),
        ["EmailStatus"] = new QboString(20),
        ["PrintStatus"] = new QboString(20),
        ["ApplyTaxAfterDiscount"] = QboBool.Instance,
        ["AllowIPNPayment"] = QboBool.Instance,
        ["AllowOnlinePayment"] = QboBool.Instance,
        ["AllowOnlineCreditCardPayment"] = QboBool.Instance,
        ["AllowOnlineACHPayment"] = QboBool.Instance,
        ["GlobalTaxCalculation"] = new QboString(30),
        ["CustomField"] = new QboArray(CustomField),
        ["Deposit"] = QboNumber.Instance,
        ["ShipFromAddr"] = PhysicalAddress,
        ["ProjectRef"] = Ref,
        ["DepositToAccountRef"] = Ref,
        ["TxnSource"] = new QboString(100),
        ["TransactionLocationType"] = new QboString(50),
        ["ExchangeRate"] = QboNumber.Instance,
    });

    /// <summary>The writable fields of <paramref name="entity"/>, or null when the fake cannot write it.</summary>
    public static QboObject? For(string entity) => entity switch
    {
        QboCompany.Customer => Customer,
        QboCompany.Item => Item,
        QboCompany.Invoice => Invoice,
        _ => null,
    };
}

/// <summary>The type of one field, and how to read it from a request.</summary>
internal abstract class QboShape
{
    /// <summary>The value as stored (unknown members dropped); null for JSON null.</summary>
    public abstract JsonNode? Read(JsonNode? node, string path);

    protected static QboFaultException Wrong(string path) => QboFaultException.Invalid($"Property Name:{path} specified is unsupported or invalid", path);
}

internal sealed class QboString(int max) : QboShape
{
    public int Max { get; } = max;

    public override JsonNode? Read(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonValue value)
        {
            throw Wrong(path);
        }

        var text = value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw Wrong(path),
        };
        if (text.Length > Max)
        {
            throw QboFaultException.Length(path, Max, text.Length);
        }

        return JsonValue.Create(text);
    }
}

internal sealed class QboNumber : QboShape
{
    public static readonly QboNumber Instance = new();

    public override JsonNode? Read(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value)
        {
            switch (value.GetValueKind())
            {
                case JsonValueKind.Number when value.TryGetValue<decimal>(out var number):
                    return JsonValue.Create(number);
                case JsonValueKind.Number:
                    return JsonValue.Create((decimal)value.GetValue<double>());
                case JsonValueKind.String when decimal.TryParse(value.GetValue<string>(), NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed):
                    return JsonValue.Create(parsed);
            }
        }

        throw Wrong(path);
    }
}

internal sealed class QboBool : QboShape
{
    public static readonly QboBool Instance = new();

    public override JsonNode? Read(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value)
        {
            switch (value.GetValueKind())
            {
                case JsonValueKind.True:
                    return JsonValue.Create(true);
                case JsonValueKind.False:
                    return JsonValue.Create(false);
                case JsonValueKind.String when bool.TryParse(value.GetValue<string>(), out var parsed):
                    return JsonValue.Create(parsed);
            }
        }

        throw Wrong(path);
    }
}

/// <summary>An <c>xs:date</c>: <c>yyyy-MM-dd</c> (a date-time is cut to its date, as QuickBooks does).</summary>
internal sealed class QboDate : QboShape
{
    public static readonly QboDate Instance = new();

    public override JsonNode? Read(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                || (text.Length > 10 && DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date)
                                     && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
            {
                return JsonValue.Create(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }
        }

        throw Wrong(path);
    }
}

internal sealed class QboObject(Dictionary<string, QboShape> members) : QboShape
{
    public IReadOnlyDictionary<string, QboShape> Members => members;

    public override JsonNode? Read(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonObject obj)
        {
            throw Wrong(path);
        }

        var result = new JsonObject();
        foreach (var (key, child) in obj)
        {
            // QuickBooks matches property names exactly; anything it does not know is ignored.
            if (members.TryGetValue(key, out var shape) && shape.Read(child, path + "." + key) is { } read)
            {
                result[key] = read;
            }
        }

        return result;
    }

    /// <summary>Reads the top level of an entity body: the writable members only, without the <c>Entity.</c> prefix in paths.</summary>
    public JsonObject ReadEntity(JsonObject body)
    {
        var result = new JsonObject();
        foreach (var (key, child) in body)
        {
            if (members.TryGetValue(key, out var shape) && shape.Read(child, key) is { } read)
            {
                result[key] = read;
            }
        }

        return result;
    }
}

internal sealed class QboArray(QboShape item) : QboShape
{
    public override JsonNode? Read(JsonNode? node, string path)
    {
        if (node is null)
        {
            return null;
        }

        if (node is not JsonArray array)
        {
            throw Wrong(path);
        }

        var result = new JsonArray();
        foreach (var child in array)
        {
            if (item.Read(child, path) is { } read)
            {
                result.Add(read);
            }
        }

        return result;
    }
}
