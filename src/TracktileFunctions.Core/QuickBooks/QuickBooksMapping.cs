using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.Accounting;

namespace TracktileFunctions.QuickBooks;

/// <summary>Tracktile's shapes <-> QuickBooks' (field names as in Intuit's schema, Finance.xsd).</summary>
public static class QuickBooksMapping
{
    /// <summary>QuickBooks' longest invoice number (<c>DocNumber</c>).</summary>
    public const int DocNumberLength = 21;

    /// <summary>QuickBooks' longest private note.</summary>
    public const int PrivateNoteLength = 4000;

    /// <summary>QuickBooks' longest item name.</summary>
    public const int ItemNameLength = 100;

    /// <summary>QuickBooks' longest item description.</summary>
    public const int ItemDescriptionLength = 4000;

    /// <summary>QuickBooks <c>BillAddr</c> fields <-> the members of the synced <c>address</c> object, with QuickBooks' lengths.</summary>
    public static readonly IReadOnlyList<(string QuickBooks, string Member, int Length)> AddressFields =
    [
        ("Line1", "line1", 500), ("Line2", "line2", 500), ("City", "city", 255), ("CountrySubDivisionCode", "state", 255), ("PostalCode", "postalCode", 30),
        ("Country", "country", 255),
    ];

    /// <summary>
    /// A <c>requestid</c> (at most 36 characters, so it also fits a batch) derived from what the write is: the same write
    /// gets the same id (QuickBooks replays its first answer), a different one (a new <c>SyncToken</c>, a changed body) a new id.
    /// </summary>
    public static string RequestId(string prefix, params ReadOnlySpan<string?> parts)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var joined = new StringBuilder();
        foreach (var part in parts)
        {
            joined.Append(part).Append('\u001f');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined.ToString())));
        return (prefix + "-" + hash)[..36];
    }

    /// <summary>The note an invoice carries: the Tracktile order it was made for (how the app finds it again) and the lots shipped.</summary>
    public static string PrivateNote(LedgerInvoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var note = $"{OrderMarker(invoice.OrderId)} ({invoice.Number})." + (invoice.LotCodes.Count > 0 ? $" Lots: {string.Join(", ", invoice.LotCodes)}" : " Lots: none recorded");
        return note.Length <= PrivateNoteLength ? note : note[..(PrivateNoteLength - 3)] + "...";
    }

    /// <summary>The start of the note of an invoice made for <paramref name="orderId"/>.</summary>
    public static string OrderMarker(string orderId) => $"Tracktile order {orderId}";

    /// <summary>Whether <paramref name="invoice"/> (as QuickBooks returns it) was made for <paramref name="orderId"/>.</summary>
    public static bool IsFor(JsonElement invoice, string orderId)
        => QuickBooksClient.Text(invoice, "PrivateNote") is { } note
           && (note.StartsWith(OrderMarker(orderId) + " ", StringComparison.Ordinal) || note.Contains(" " + OrderMarker(orderId) + " ", StringComparison.Ordinal));

    /// <summary>Whether a QuickBooks invoice is voided (QuickBooks zeroes it and marks its note).</summary>
    public static bool IsVoided(JsonElement invoice)
        => QuickBooksClient.Text(invoice, "PrivateNote") is { } note && note.StartsWith("Voided", StringComparison.OrdinalIgnoreCase)
           && invoice.TryGetProperty("TotalAmt", out var total) && total.ValueKind == JsonValueKind.Number && total.GetDecimal() == 0;

    /// <summary>The body of <c>POST invoice</c>.</summary>
    public static JsonObject InvoiceBody(LedgerInvoice invoice, string customerId, IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(itemIds);
        var lines = new JsonArray();
        for (var i = 0; i < invoice.Lines.Count; i++)
        {
            var line = invoice.Lines[i];
            lines.Add(new JsonObject
            {
                ["DetailType"] = "SalesItemLineDetail",
                ["Amount"] = Math.Round(line.Quantity * line.UnitPrice, 2, MidpointRounding.AwayFromZero),
                ["SalesItemLineDetail"] = new JsonObject
                {
                    ["ItemRef"] = new JsonObject { ["value"] = itemIds[i] },
                    ["Qty"] = line.Quantity,
                    ["UnitPrice"] = line.UnitPrice,
                },
            });
        }

        var body = new JsonObject
        {
            ["CustomerRef"] = new JsonObject { ["value"] = customerId },
            ["DocNumber"] = invoice.Number,
            ["TxnDate"] = Date(invoice.Date),
            ["PrivateNote"] = PrivateNote(invoice),
            ["Line"] = lines,
        };
        if (invoice.DueDate is { } due)
        {
            body["DueDate"] = Date(due);
        }

        return body;
    }

    /// <summary>The query for the active items whose <paramref name="field"/> (<c>Sku</c> or <c>Name</c>) is <paramref name="value"/>.</summary>
    public static string ItemQuery(QuickBooksItemMatch field, string value)
        => $"select * from Item where {field} = {QuickBooksClient.Quote(value)}";

    /// <summary>The query that reads item <paramref name="id"/>, active or not (a name list query answers only active ones otherwise).</summary>
    public static string ItemByIdQuery(string id)
        => $"select * from Item where Id = {QuickBooksClient.Quote(id)} and Active IN (true, false)";

    /// <summary>The name of the item made for <paramref name="sku"/>: the SKU, cut to QuickBooks' length.</summary>
    public static string ItemName(string sku)
    {
        ArgumentNullException.ThrowIfNull(sku);
        return Truncate(sku, ItemNameLength);
    }

    /// <summary>
    /// The body of a new item: named by the SKU (cut to <see cref="ItemNameLength"/>), with the SKU, the product's name as
    /// its description (when given, cut to <see cref="ItemDescriptionLength"/>), the type and the income account.
    /// </summary>
    public static JsonObject ItemBody(string sku, string? description, QuickBooksItemType type, string incomeAccountId)
    {
        var body = new JsonObject { ["Name"] = ItemName(sku), ["Sku"] = sku };
        if (description is { Length: > 0 })
        {
            body["Description"] = Truncate(description, ItemDescriptionLength);
        }

        body["Type"] = type.ToString();
        body["IncomeAccountRef"] = new JsonObject { ["value"] = incomeAccountId };
        return body;
    }

    /// <summary>
    /// What a sparse update must change so <paramref name="item"/> (as QuickBooks answers it) describes the product: its
    /// <c>Description</c> (the product's name, cut to QuickBooks' length) and <c>Active</c>, each only when the product has
    /// it and the item differs. Empty: nothing to write.
    /// </summary>
    public static JsonObject ItemChanges(JsonElement item, string? description, bool? active)
    {
        var changes = new JsonObject();
        if (description is { Length: > 0 } && Truncate(description, ItemDescriptionLength) is var wanted
            && !string.Equals(QuickBooksClient.Text(item, "Description"), wanted, StringComparison.Ordinal))
        {
            changes["Description"] = wanted;
        }

        var isActive = !(item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Active", out var a) && a.ValueKind == JsonValueKind.False);
        if (active is { } want && want != isActive)
        {
            changes["Active"] = want;
        }

        return changes;
    }

    /// <summary>A QuickBooks customer in the synced fields' shape (<c>name</c>, <c>email</c>, <c>phone</c>, <c>address</c>).</summary>
    public static JsonElement ToSyncedCustomer(JsonElement customer)
    {
        var synced = new JsonObject
        {
            ["name"] = QuickBooksClient.Text(customer, "DisplayName"),
            ["email"] = Nested(customer, "PrimaryEmailAddr", "Address"),
            ["phone"] = Nested(customer, "PrimaryPhone", "FreeFormNumber"),
        };
        var address = new JsonObject();
        if (customer.TryGetProperty("BillAddr", out var bill) && bill.ValueKind == JsonValueKind.Object)
        {
            foreach (var (field, member, _) in AddressFields)
            {
                if (QuickBooksClient.Text(bill, field) is { } text)
                {
                    address[member] = text;
                }
            }
        }

        if (address.Count > 0)
        {
            synced["address"] = address;
        }

        return JsonSerializer.SerializeToElement(synced);
    }

    /// <summary>
    /// The QuickBooks customer fields of synced fields, cut to QuickBooks' lengths. Only those present, unless
    /// <paramref name="clearAbsent"/>: then an absent email or phone is sent empty, so a sparse update clears what the
    /// merge cleared (the merge only leaves a field absent when both sides agree it is, or Tracktile's clearing won).
    /// </summary>
    public static JsonObject FromSyncedCustomer(JsonElement synced, bool clearAbsent = false)
    {
        var fields = new JsonObject();
        if (Text(synced, "name", 500) is { } name)
        {
            fields["DisplayName"] = name;
        }

        var email = Text(synced, "email", 100);
        if (email is not null || clearAbsent)
        {
            fields["PrimaryEmailAddr"] = new JsonObject { ["Address"] = email ?? "" };
        }

        var phone = Text(synced, "phone", 21);
        if (phone is not null || clearAbsent)
        {
            fields["PrimaryPhone"] = new JsonObject { ["FreeFormNumber"] = phone ?? "" };
        }

        var address = synced.ValueKind == JsonValueKind.Object && synced.TryGetProperty("address", out var a) ? a : default;
        var bill = new JsonObject();
        foreach (var (field, member, length) in AddressFields)
        {
            var value = address.ValueKind switch
            {
                JsonValueKind.Object => Text(address, member, length),
                JsonValueKind.String when member == "line1" => Truncate(address.GetString() ?? "", length),
                _ => null,
            };
            if (value is { Length: > 0 })
            {
                bill[field] = value;
            }
        }

        if (bill.Count > 0)
        {
            fields["BillAddr"] = bill;
        }

        return fields;
    }

    /// <summary>Synced fields as QuickBooks would keep them (its lengths, its six address parts).</summary>
    public static JsonElement ProjectCustomer(JsonElement synced)
        => ToSyncedCustomer(JsonSerializer.SerializeToElement(FromSyncedCustomer(synced)));

    /// <summary>A date as QuickBooks writes it.</summary>
    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? Nested(JsonElement element, string outer, string inner)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(outer, out var o) && o.ValueKind == JsonValueKind.Object ? QuickBooksClient.Text(o, inner) : null;

    private static string? Text(JsonElement element, string name, int max)
        => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } text
            ? Truncate(text, max)
            : null;

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
