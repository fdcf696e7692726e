using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.Erp;
using TracktileFunctions.Processing;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// Tracktile -> Business Central fields, and back for customers. Pure functions: adapting the connector to a company's
/// Business Central starts here (and in <see cref="BusinessCentralOptions"/>).
/// </summary>
public static class BusinessCentralMapping
{
    /// <summary>Business Central's <c>number</c> of items and customers is a Code[20].</summary>
    public const int NumberLength = 20;

    /// <summary><c>externalDocumentNumber</c> is a Code[35].</summary>
    public const int ExternalDocumentNumberLength = 35;

    /// <summary><c>displayName</c> is a Text[100].</summary>
    public const int DisplayNameLength = 100;

    /// <summary>Business Central customer fields <-> the members of the synced <c>address</c> object.</summary>
    public static readonly IReadOnlyList<(string Bc, string Member, int Length)> AddressFields =
    [
        ("addressLine1", "line1", 100), ("addressLine2", "line2", 50), ("city", "city", 30), ("state", "state", 30), ("country", "country", 10), ("postalCode", "postalCode", 20),
    ];

    /// <summary>The item number for a product: its <paramref name="numberProperty"/> field, checked against Code[20].</summary>
    /// <exception cref="PermanentProcessingException">The product has no such field, or it does not fit.</exception>
    public static string ItemNumber(ErpProduct product, string numberProperty)
    {
        ArgumentNullException.ThrowIfNull(product);
        var number = product.Source.ValueKind == JsonValueKind.Object && product.Source.TryGetProperty(numberProperty, out var value)
                     && value.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? value.ToString().Trim()
            : numberProperty == "id" ? product.ExternalId : null;
        if (string.IsNullOrEmpty(number))
        {
            throw new PermanentProcessingException(
                $"product {product.ExternalId} has no '{numberProperty}' to be its Business Central item number (check BusinessCentral:Items:NumberProperty)");
        }

        return number.Length <= NumberLength
            ? number.ToUpperInvariant()
            : throw new PermanentProcessingException(
                $"product {product.ExternalId}'s {numberProperty} '{number}' is longer than a Business Central item number's {NumberLength} characters (choose another BusinessCentral:Items:NumberProperty)");
    }

    /// <summary>The item fields the connector owns, as they should be.</summary>
    public static JsonObject ItemFields(ErpProduct product, BusinessCentralItemOptions options)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(options);
        var fields = new JsonObject();
        if (product.Name is { Length: > 0 } name)
        {
            fields["displayName"] = name.Length <= DisplayNameLength ? name : name[..DisplayNameLength];
        }

        if (product.Active is { } active)
        {
            fields["blocked"] = !active;
        }

        if (product.Unit is { Length: > 0 } unit && options.UnitsOfMeasure.TryGetValue(unit, out var code))
        {
            fields["baseUnitOfMeasureCode"] = code;
        }

        return fields;
    }

    /// <summary>The fields of <paramref name="wanted"/> whose value <paramref name="entity"/> does not hold already.</summary>
    public static JsonObject Changed(JsonObject wanted, JsonElement entity)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var changed = new JsonObject();
        foreach (var (name, value) in wanted)
        {
            var same = entity.TryGetProperty(name, out var current) && JsonNode.DeepEquals(JsonNode.Parse(current.GetRawText()), value);
            if (!same)
            {
                changed[name] = value?.DeepClone();
            }
        }

        return changed;
    }

    /// <summary>A Business Central customer in the synced fields' shape (<c>name</c>, <c>email</c>, <c>phone</c>, <c>address</c>).</summary>
    public static JsonElement ToSyncedCustomer(JsonElement customer)
    {
        var synced = new JsonObject
        {
            ["name"] = BusinessCentralClient.Text(customer, "displayName"),
            ["email"] = BusinessCentralClient.Text(customer, "email"),
            ["phone"] = BusinessCentralClient.Text(customer, "phoneNumber"),
        };
        var address = new JsonObject();
        foreach (var (bc, member, _) in AddressFields)
        {
            if (BusinessCentralClient.Text(customer, bc) is { } text)
            {
                address[member] = text;
            }
        }

        if (address.Count > 0)
        {
            synced["address"] = address;
        }

        return JsonSerializer.SerializeToElement(synced);
    }

    /// <summary>The Business Central customer fields for synced fields (absent ones written empty: Business Central has no null text).</summary>
    public static JsonObject FromSyncedCustomer(JsonElement synced)
    {
        var fields = new JsonObject
        {
            ["displayName"] = Text(synced, "name", DisplayNameLength),
            ["email"] = Text(synced, "email", 80),
            ["phoneNumber"] = Text(synced, "phone", 30),
        };
        var address = synced.ValueKind == JsonValueKind.Object && synced.TryGetProperty("address", out var a) ? a : default;
        foreach (var (bc, member, length) in AddressFields)
        {
            // Cut to Business Central's field lengths (a longer value would be refused, and stop the sync).
            fields[bc] = address.ValueKind switch
            {
                JsonValueKind.Object => Text(address, member, length),
                JsonValueKind.String when bc == "addressLine1" => Truncate(address.GetString() ?? "", 100),
                _ => "",
            };
        }

        return fields;
    }

    /// <summary>The number of a customer the connector creates: a prefix and a hash of the Tracktile id (so it is created once).</summary>
    public static string CreatedCustomerNumber(string prefix, string tracktileCustomerId)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(tracktileCustomerId)));
        return (prefix + hash)[..NumberLength].ToUpperInvariant();
    }

    /// <summary>A journal document number (Code[20]) for one movement, derived from its idempotency key.</summary>
    public static string DocumentNumber(string idempotencyKey)
        => ("TT" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey))))[..NumberLength];

    /// <summary>The date part of a Tracktile date (<c>2024-02-01</c> or a full time), or null.</summary>
    public static string? Date(string? value)
        => value is { Length: >= 10 } && DateOnly.TryParse(value.AsSpan(0, 10), System.Globalization.CultureInfo.InvariantCulture, out var date)
            ? date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
            : null;

    private static string Text(JsonElement element, string name, int max)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? Truncate(v.GetString() ?? "", max) : "";

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
