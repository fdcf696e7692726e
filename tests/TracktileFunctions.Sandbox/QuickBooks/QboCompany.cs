using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TracktileFunctions.Sandbox.QuickBooks;

/// <summary>A stored entity: its JSON as QuickBooks answers it, and the exact times (the JSON's are cut to the second).</summary>
internal sealed class QboRecord(string entity, long id, JsonObject body, DateTimeOffset created)
{
    public string Entity { get; } = entity;

    public long Id { get; } = id;

    public string IdText => Id.ToString(CultureInfo.InvariantCulture);

    public JsonObject Body { get; set; } = body;

    public int SyncToken { get; set; }

    public DateTimeOffset Created { get; } = created;

    public DateTimeOffset Updated { get; set; } = created;

    public bool Voided { get; set; }

    public bool IsActive => Body["Active"] is not JsonValue v || !v.TryGetValue<bool>(out var active) || active;
}

/// <summary>A deleted transaction, as CDC reports it.</summary>
internal sealed record QboTombstone(string Entity, long Id, DateTimeOffset DeletedAt);

/// <summary>What a write did: the entity as answered, the webhook operation, and when.</summary>
internal sealed record QboMutation(string Entity, string Id, JsonObject Answer, string Operation, DateTimeOffset Time);

/// <summary>
/// The one sandbox company's data (Customer, Item, Invoice, Account) and QuickBooks' rules for writing it: SyncToken,
/// sparse and full updates, unique names, computed invoice totals, void and delete, the query language and CDC.
/// Not thread-safe: <see cref="SandboxState"/> calls it under its lock.
/// </summary>
internal sealed class QboCompany
{
    public const string Customer = "Customer";
    public const string Item = "Item";
    public const string Invoice = "Invoice";
    public const string Account = "Account";

    public const string IncomeAccountId = "79";
    public const string ExpenseAccountId = "7";
    public const string CostOfGoodsSoldAccountId = "80";
    public const string InventoryAssetAccountId = "81";

    /// <summary>CDC looks back at most this far (Intuit: 30 days).</summary>
    public static readonly TimeSpan CdcMaxAge = TimeSpan.FromDays(30);

    public static readonly IReadOnlyList<string> EntityNames = [Customer, Item, Invoice, Account];

    private const string DeletedSuffix = " (deleted)";
    private const int CdcMaxObjects = 1000;

    private static readonly string[] UnimplementedItemTypes =
        ["Assembly", "Category", "Fixed Asset", "Group", "Other Charge", "Payment", "Subtotal", "Discount", "Tax", "Tax Group", "Bundle"];

    private static readonly string[] UnimplementedLineTypes =
    [
        "PaymentLineDetail", "DiscountLineDetail", "TaxLineDetail", "ItemBasedExpenseLineDetail", "AccountBasedExpenseLineDetail",
        "DepositLineDetail", "PurchaseOrderItemLineDetail", "ItemReceiptLineDetail", "JournalEntryLineDetail", "GroupLineDetail",
        "SalesOrderItemLineDetail", "TDSLineDetail",
    ];

    private readonly Dictionary<string, SortedDictionary<long, QboRecord>> _records = new(StringComparer.Ordinal);
    private readonly List<QboTombstone> _deleted = [];
    private readonly Dictionary<string, long> _nextId = new(StringComparer.Ordinal);
    private long _nextAddressId;

    public QboCompany(DateTimeOffset now)
    {
        foreach (var entity in EntityNames)
        {
            _records[entity] = [];
        }

        _nextId[Customer] = 1;
        _nextId[Item] = 1;
        _nextId[Invoice] = 130;
        _nextId[Account] = 90;
        _nextAddressId = 1;
        SeedAccount(IncomeAccountId, "Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue", now);
        SeedAccount(ExpenseAccountId, "Advertising", "Expense", "AdvertisingPromotional", "Expense", now);
        SeedAccount(CostOfGoodsSoldAccountId, "Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense", now);
        SeedAccount(InventoryAssetAccountId, "Inventory Asset", "Other Current Asset", "Inventory", "Asset", now);
    }

    /// <summary>When on, a DocNumber already used by another invoice answers 6140 (the company preference "warn if duplicate").</summary>
    public bool EnforceUniqueDocNumber { get; set; }

    /// <summary>The entity a path segment names (<c>customer</c> → Customer); null when the fake does not serve it.</summary>
    public static string? EntityOfPath(string segment)
        => EntityNames.FirstOrDefault(e => string.Equals(e, segment, StringComparison.OrdinalIgnoreCase));

    /// <summary>Every stored entity of a type, by Id, as answered.</summary>
    public IReadOnlyList<JsonObject> All(string entity) => [.. _records[entity].Values.Select(Render)];

    public IEnumerable<QboRecord> Records(string entity) => _records[entity].Values;

    public int InvoiceCount(string docNumber)
        => _records[Invoice].Values.Count(r => string.Equals(Text(r.Body["DocNumber"]), docNumber, StringComparison.Ordinal));

    /// <summary>Adds an account (the fake serves accounts read-only; tests seed them).</summary>
    public JsonObject SeedAccount(string? id, string name, string accountType, string? accountSubType, string classification, DateTimeOffset now)
    {
        var number = id is null ? _nextId[Account]++ : long.Parse(id, NumberStyles.None, CultureInfo.InvariantCulture);
        if (_records[Account].ContainsKey(number))
        {
            throw new ArgumentException($"Account {number.ToString(CultureInfo.InvariantCulture)} exists already.", nameof(id));
        }

        var body = new JsonObject
        {
            ["Name"] = name,
            ["SubAccount"] = false,
            ["FullyQualifiedName"] = name,
            ["Active"] = true,
            ["Classification"] = classification,
            ["AccountType"] = accountType,
        };
        if (accountSubType is not null)
        {
            body["AccountSubType"] = accountSubType;
        }

        body["CurrentBalance"] = 0;
        body["CurrentBalanceWithSubAccounts"] = 0;
        body["CurrencyRef"] = Usd();
        var record = new QboRecord(Account, number, body, now);
        Stamp(record, body);
        _records[Account][number] = record;
        _nextId[Account] = Math.Max(_nextId[Account], number + 1);
        return Render(record);
    }

    /// <summary><c>GET {entity}/{id}</c>.</summary>
    public JsonObject Read(string entity, string id)
    {
        if (!TryParseId(id, out var number) || !_records[entity].TryGetValue(number, out var record))
        {
            throw _deleted.Exists(d => d.Entity == entity && d.Id == number) ? QboFaultException.Deleted() : QboFaultException.NotFound();
        }

        return Render(record);
    }

    /// <summary><c>POST {entity}</c>: a create without <c>Id</c>, else a full or sparse update checked against the SyncToken.</summary>
    public QboMutation Save(string entity, JsonObject body, DateTimeOffset now)
    {
        var schema = QboSchema.For(entity)
                     ?? throw QboFaultException.Unsupported("create", $"sandbox: writing {entity} is not implemented by the fake (it serves {entity} read-only).");
        var given = schema.ReadEntity(body);
        if (body["Id"] is null)
        {
            var processed = Process(entity, given, null, body, now);
            var number = _nextId[entity]++;
            var record = new QboRecord(entity, number, processed, now);
            Stamp(record, processed);
            _records[entity][number] = record;
            return new QboMutation(entity, record.IdText, Render(record), "Create", now);
        }

        var existing = Find(entity, body);
        CheckSyncToken(existing, body);
        JsonObject candidate;
        if (body["sparse"] is JsonValue sparse && sparse.TryGetValue<bool>(out var isSparse) && isSparse)
        {
            candidate = schema.ReadEntity(existing.Body);
            foreach (var (key, value) in given)
            {
                candidate[key] = value?.DeepClone();
            }

            foreach (var (key, value) in body)
            {
                if (value is null && schema.Members.ContainsKey(key))
                {
                    candidate.Remove(key);
                }
            }
        }
        else
        {
            candidate = given;
        }

        return Update(existing, Process(entity, candidate, existing, body, now), "Update", now);
    }

    /// <summary>A change made by a person in QuickBooks: a sparse update without a SyncToken check.</summary>
    public QboMutation EditAsUser(string entity, string id, JsonObject changes, DateTimeOffset now)
    {
        var schema = QboSchema.For(entity) ?? throw new ArgumentException($"{entity} cannot be edited.", nameof(entity));
        if (!TryParseId(id, out var number) || !_records[entity].TryGetValue(number, out var existing))
        {
            throw new ArgumentException($"No {entity} with Id {id}.", nameof(id));
        }

        var candidate = schema.ReadEntity(existing.Body);
        foreach (var (key, value) in schema.ReadEntity(changes))
        {
            candidate[key] = value?.DeepClone();
        }

        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                candidate.Remove(key);
            }
        }

        return Update(existing, Process(entity, candidate, existing, changes, now), "Update", now);
    }

    /// <summary><c>POST invoice?operation=void</c>: amounts and balance to 0, <c>PrivateNote</c> marked "Voided".</summary>
    public QboMutation Void(string entity, JsonObject body, DateTimeOffset now, bool checkSyncToken = true)
    {
        if (entity != Invoice)
        {
            throw QboFaultException.Unsupported("void");
        }

        var existing = Find(entity, body);
        if (checkSyncToken)
        {
            CheckSyncToken(existing, body);
        }

        existing.Voided = true;
        var voided = (JsonObject)existing.Body.DeepClone();
        ApplyVoid(voided);
        return Update(existing, voided, "Void", now);
    }

    /// <summary><c>POST invoice?operation=delete</c>: the invoice is gone (read 610, CDC Deleted). Name lists cannot be deleted.</summary>
    public QboMutation Delete(string entity, JsonObject body, DateTimeOffset now, bool checkSyncToken = true)
    {
        if (entity != Invoice)
        {
            throw QboFaultException.Unsupported("delete");
        }

        var existing = Find(entity, body);
        if (checkSyncToken)
        {
            CheckSyncToken(existing, body);
        }

        _records[entity].Remove(existing.Id);
        _deleted.Add(new QboTombstone(entity, existing.Id, now));
        var answer = new JsonObject { ["status"] = "Deleted", ["domain"] = "QBO", ["Id"] = existing.IdText };
        return new QboMutation(entity, existing.IdText, answer, "Delete", now);
    }

    /// <summary><c>GET cdc?entities=...&amp;changedSince=...</c>: the full entities changed at or after <paramref name="since"/>, deleted ones as tombstones.</summary>
    public JsonArray Cdc(IReadOnlyList<string> entities, DateTimeOffset since)
    {
        var budget = CdcMaxObjects;
        var responses = new JsonArray();
        foreach (var entity in entities)
        {
            var changed = _records[entity].Values.Where(r => r.Updated >= since).Select(r => (r.Updated, Body: Render(r)))
                .Concat(_deleted.Where(d => d.Entity == entity && d.DeletedAt >= since).Select(d => (Updated: d.DeletedAt, Body: Tombstone(d))))
                .OrderBy(c => c.Updated)
                .Take(Math.Max(0, budget))
                .Select(c => (JsonNode)c.Body)
                .ToList();
            budget -= changed.Count;
            responses.Add(changed.Count == 0
                ? new JsonObject()
                : new JsonObject { [entity] = new JsonArray([.. changed]), ["startPosition"] = 1, ["maxResults"] = changed.Count });
        }

        return new JsonArray(new JsonObject { ["QueryResponse"] = responses });
    }

    /// <summary>The entity as answered: the stored JSON plus what QuickBooks computes on read (a customer's open balance).</summary>
    public JsonObject Render(QboRecord record)
    {
        var body = (JsonObject)record.Body.DeepClone();
        if (record.Entity == Customer)
        {
            var balance = _records[Invoice].Values.Where(i => Text(i.Body["CustomerRef"]?["value"]) == record.IdText).Sum(i => Number(i.Body["Balance"]) ?? 0m);
            body["Balance"] = balance;
            body["BalanceWithJobs"] = balance;
        }

        return body;
    }

    private static JsonObject Tombstone(QboTombstone deleted) => new()
    {
        ["domain"] = "QBO",
        ["status"] = "Deleted",
        ["Id"] = deleted.Id.ToString(CultureInfo.InvariantCulture),
        ["MetaData"] = new JsonObject { ["LastUpdatedTime"] = QboWire.MetaTime(deleted.DeletedAt) },
    };

    private static void ApplyVoid(JsonObject invoice)
    {
        if (invoice["Line"] is JsonArray lines)
        {
            foreach (var line in lines.OfType<JsonObject>())
            {
                line["Amount"] = 0m;
                if (line["SalesItemLineDetail"] is JsonObject detail && detail["Qty"] is not null)
                {
                    detail["Qty"] = 0m; // keeps Amount = Qty * UnitPrice true on a voided line
                }
            }
        }

        invoice["TotalAmt"] = 0m;
        invoice["Balance"] = 0m;
        var note = Text(invoice["PrivateNote"]);
        invoice["PrivateNote"] = string.IsNullOrEmpty(note) ? "Voided" : note.StartsWith("Voided", StringComparison.Ordinal) ? note : "Voided - " + note;
    }

    private static void CheckSyncToken(QboRecord record, JsonObject body)
    {
        var token = body["SyncToken"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
            null => throw QboFaultException.Required("SyncToken"),
            _ => throw QboFaultException.Invalid("Property Name:SyncToken specified is unsupported or invalid", "SyncToken"),
        };
        if (token != record.SyncToken.ToString(CultureInfo.InvariantCulture))
        {
            throw QboFaultException.Stale();
        }
    }

    private static JsonObject Usd() => new() { ["value"] = "USD", ["name"] = "United States Dollar" };

    private static bool TryParseId(string? id, out long number)
        => long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out number);

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static decimal? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<decimal>(out var d) ? d : null;

    private static bool? Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    private static string ToggleDeleted(string name, bool active, bool wasInactive)
        => !active && !name.EndsWith(DeletedSuffix, StringComparison.Ordinal) ? name + DeletedSuffix
            : active && wasInactive && name.EndsWith(DeletedSuffix, StringComparison.Ordinal) ? name[..^DeletedSuffix.Length]
            : name;

    private QboRecord Find(string entity, JsonObject body)
    {
        var id = body["Id"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
            _ => null,
        };
        if (!TryParseId(id, out var number) || !_records[entity].TryGetValue(number, out var record))
        {
            throw _deleted.Exists(d => d.Entity == entity && d.Id == number) ? QboFaultException.Deleted() : QboFaultException.NotFound("Id");
        }

        return record;
    }

    private QboMutation Update(QboRecord record, JsonObject processed, string operation, DateTimeOffset now)
    {
        record.SyncToken++;
        record.Updated = now;
        Stamp(record, processed);
        return new QboMutation(record.Entity, record.IdText, Render(record), operation, now);
    }

    /// <summary>Adds the members every entity carries: <c>domain</c>, <c>sparse</c>, <c>Id</c>, <c>SyncToken</c>, <c>MetaData</c>.</summary>
    private static void Stamp(QboRecord record, JsonObject body)
    {
        body.Remove("domain");
        body.Remove("sparse");
        body.Remove("Id");
        body.Remove("SyncToken");
        body.Remove("MetaData");
        body["domain"] = "QBO";
        body["sparse"] = false;
        body["Id"] = record.IdText;
        body["SyncToken"] = record.SyncToken.ToString(CultureInfo.InvariantCulture);
        body["MetaData"] = new JsonObject
        {
            ["CreateTime"] = QboWire.MetaTime(record.Created),
            ["LastUpdatedTime"] = QboWire.MetaTime(record.Updated),
        };
        record.Body = body;
    }

    private JsonObject Process(string entity, JsonObject candidate, QboRecord? existing, JsonObject raw, DateTimeOffset now) => entity switch
    {
        Customer => ProcessCustomer(candidate, existing),
        Item => ProcessItem(candidate, existing),
        Invoice => ProcessInvoice(candidate, existing, raw, now),
        _ => throw QboFaultException.Unsupported("create"),
    };

    private JsonObject ProcessCustomer(JsonObject c, QboRecord? existing)
    {
        var display = Text(c["DisplayName"]);
        if (string.IsNullOrWhiteSpace(display))
        {
            // QuickBooks makes the DisplayName from the name parts when none is given.
            display = string.Join(' ', new[] { "Title", "GivenName", "MiddleName", "FamilyName", "Suffix" }
                .Select(k => Text(c[k])).Where(s => !string.IsNullOrWhiteSpace(s)));
            if (display.Length == 0)
            {
                throw QboFaultException.Required("DisplayName");
            }
        }

        var active = Bool(c["Active"]) ?? true;
        display = ToggleDeleted(display, active, existing is { IsActive: false });
        if (_records[Customer].Values.Any(r => r.Id != existing?.Id && string.Equals(Text(r.Body["DisplayName"]), display, StringComparison.OrdinalIgnoreCase)))
        {
            throw QboFaultException.DuplicateName("customer");
        }

        if (c["ParentRef"] is JsonObject)
        {
            RefTo(c, "ParentRef", Customer, "ParentRef", required: false);
        }

        var body = new JsonObject();
        foreach (var (key, value) in c)
        {
            body[key] = value?.DeepClone();
        }

        body["DisplayName"] = display;
        body["FullyQualifiedName"] = display;
        body["Active"] = active;
        body["PrintOnCheckName"] ??= Text(c["CompanyName"]) ?? (display.EndsWith(DeletedSuffix, StringComparison.Ordinal) ? display[..^DeletedSuffix.Length] : display);
        body["Job"] ??= false;
        body["BillWithParent"] ??= false;
        body["CurrencyRef"] = existing?.Body["CurrencyRef"]?.DeepClone() ?? c["CurrencyRef"]?.DeepClone() ?? Usd();
        body["PreferredDeliveryMethod"] ??= "Print";
        body["IsProject"] = false;
        AddressIds(body, "BillAddr", "ShipAddr");
        return body;
    }

    private JsonObject ProcessItem(JsonObject i, QboRecord? existing)
    {
        var name = Text(i["Name"]);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw QboFaultException.Required("Name");
        }

        var active = Bool(i["Active"]) ?? true;
        name = ToggleDeleted(name, active, existing is { IsActive: false });
        if (_records[Item].Values.Any(r => r.Id != existing?.Id && string.Equals(Text(r.Body["Name"]), name, StringComparison.OrdinalIgnoreCase)))
        {
            throw QboFaultException.DuplicateName("item");
        }

        var type = Text(i["Type"]) ?? throw QboFaultException.Required("Type");
        if (UnimplementedItemTypes.Contains(type, StringComparer.Ordinal))
        {
            throw QboFaultException.Unsupported("create", $"sandbox: Item Type {type} is not implemented by the fake (Inventory, NonInventory and Service are).");
        }

        if (type is not ("Inventory" or "NonInventory" or "Service"))
        {
            throw QboFaultException.Enumeration(type, "Type");
        }

        var inventory = type == "Inventory";
        var income = RefTo(i, "IncomeAccountRef", Account, "IncomeAccountRef", required: true)!;
        if (Text(income.Body["AccountType"]) is not ("Income" or "Other Income"))
        {
            throw QboFaultException.Business("The income account of an item must be an Income or Other Income account.", "IncomeAccountRef");
        }

        RefTo(i, "ExpenseAccountRef", Account, "ExpenseAccountRef", required: inventory);
        RefTo(i, "AssetAccountRef", Account, "AssetAccountRef", required: inventory);
        if (inventory)
        {
            if (Bool(i["TrackQtyOnHand"]) != true)
            {
                throw QboFaultException.Required("TrackQtyOnHand");
            }

            if (i["QtyOnHand"] is null)
            {
                throw QboFaultException.Required("QtyOnHand");
            }

            if (i["InvStartDate"] is null)
            {
                throw QboFaultException.Required("InvStartDate");
            }
        }

        var body = new JsonObject();
        foreach (var (key, value) in i)
        {
            body[key] = value?.DeepClone();
        }

        body["Name"] = name;
        body["FullyQualifiedName"] = name;
        body["Active"] = active;
        body["Taxable"] ??= false;
        body["SalesTaxIncluded"] ??= false;
        body["UnitPrice"] ??= 0m;
        body["PurchaseTaxIncluded"] ??= false;
        body["PurchaseCost"] ??= 0m;
        body["TrackQtyOnHand"] = inventory;
        if (!inventory)
        {
            body.Remove("QtyOnHand");
            body.Remove("InvStartDate");
            body.Remove("AssetAccountRef");
        }

        return body;
    }

    private JsonObject ProcessInvoice(JsonObject v, QboRecord? existing, JsonObject raw, DateTimeOffset now)
    {
        RefTo(v, "CustomerRef", Customer, "CustomerRef", required: true);
        var given = (v["Line"] as JsonArray)?.OfType<JsonObject>()
            .Where(l => Text(l["DetailType"]) != "SubTotalLineDetail").ToList() ?? [];
        if (given.Count == 0)
        {
            throw QboFaultException.Required("Line");
        }

        var usedIds = new HashSet<string>(StringComparer.Ordinal);
        var nextLineId = given.Select(l => long.TryParse(Text(l["Id"]), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
        var lines = new JsonArray();
        var total = 0m;
        for (var index = 0; index < given.Count; index++)
        {
            var line = (JsonObject)given[index].DeepClone();
            var detailType = Text(line["DetailType"]) ?? throw QboFaultException.Required("Line.DetailType");
            decimal amount;
            switch (detailType)
            {
                case "SalesItemLineDetail":
                    amount = Number(line["Amount"]) ?? throw QboFaultException.Required("Line.Amount");
                    var detail = line["SalesItemLineDetail"] as JsonObject ?? throw QboFaultException.Required("Line.SalesItemLineDetail");
                    var item = RefTo(detail, "ItemRef", Item, "Line.SalesItemLineDetail.ItemRef", required: true)!;
                    var qty = Number(detail["Qty"]);
                    var price = Number(detail["UnitPrice"]);
                    if (qty is { } q && price is { } p)
                    {
                        if (Math.Round(q * p, 2, MidpointRounding.AwayFromZero) != Math.Round(amount, 2, MidpointRounding.AwayFromZero))
                        {
                            throw QboFaultException.AmountMismatch(amount);
                        }
                    }
                    else if (qty is { } onlyQty && onlyQty != 0)
                    {
                        detail["UnitPrice"] = Math.Round(amount / onlyQty, 7, MidpointRounding.AwayFromZero);
                    }
                    else if (price is { } onlyPrice && onlyPrice != 0)
                    {
                        detail["Qty"] = Math.Round(amount / onlyPrice, 7, MidpointRounding.AwayFromZero);
                    }

                    if (item.Body["IncomeAccountRef"] is JsonObject incomeRef)
                    {
                        detail["ItemAccountRef"] = incomeRef.DeepClone();
                    }

                    detail["TaxCodeRef"] ??= new JsonObject { ["value"] = "NON" };
                    RemoveDetailsBut(line, "SalesItemLineDetail");
                    break;
                case "DescriptionOnly":
                    amount = Number(line["Amount"]) ?? 0m;
                    line["DescriptionLineDetail"] ??= new JsonObject();
                    RemoveDetailsBut(line, "DescriptionLineDetail");
                    break;
                default:
                    if (UnimplementedLineTypes.Contains(detailType, StringComparer.Ordinal))
                    {
                        throw QboFaultException.Unsupported("create", $"sandbox: Line.DetailType {detailType} is not implemented by the fake (SalesItemLineDetail and DescriptionOnly are).");
                    }

                    throw QboFaultException.Enumeration(detailType, "Line.DetailType");
            }

            amount = Math.Round(amount, 2, MidpointRounding.AwayFromZero);
            total += amount;
            var id = Text(line["Id"]);
            if (id is null || !usedIds.Add(id))
            {
                id = (nextLineId++).ToString(CultureInfo.InvariantCulture);
                usedIds.Add(id);
            }

            var ordered = new JsonObject { ["Id"] = id, ["LineNum"] = index + 1 };
            line.Remove("Id");
            line.Remove("LineNum");
            line["Amount"] = amount;
            foreach (var (key, value) in line)
            {
                ordered[key] = value?.DeepClone();
            }

            lines.Add(ordered);
        }

        lines.Add(new JsonObject { ["Amount"] = total, ["DetailType"] = "SubTotalLineDetail", ["SubTotalLineDetail"] = new JsonObject() });

        var docNumber = Text(v["DocNumber"]);
        var auto = Bool(raw["AutoDocNumber"]) == true || docNumber == "AUTO_GENERATE";
        if (auto || (docNumber is null && existing is null))
        {
            docNumber = NextDocNumber();
        }

        if (docNumber is not null && EnforceUniqueDocNumber
            && _records[Invoice].Values.FirstOrDefault(r => r.Id != existing?.Id && Text(r.Body["DocNumber"]) == docNumber) is { } clash)
        {
            throw QboFaultException.DuplicateDocNumber(docNumber, clash.IdText);
        }

        var body = new JsonObject();
        foreach (var (key, value) in v)
        {
            body[key] = value?.DeepClone();
        }

        if (docNumber is null)
        {
            body.Remove("DocNumber");
        }
        else
        {
            body["DocNumber"] = docNumber;
        }

        var txnDate = Text(v["TxnDate"]) ?? QboWire.Date(now);
        body["TxnDate"] = txnDate;
        body["DueDate"] ??= txnDate;
        body["Line"] = lines;
        body["CurrencyRef"] ??= Usd();
        body["TxnTaxDetail"] = new JsonObject { ["TotalTax"] = 0m };
        body["LinkedTxn"] = new JsonArray();
        body["CustomField"] ??= new JsonArray();
        body["EmailStatus"] ??= "NotSet";
        body["PrintStatus"] ??= "NotSet";
        body["ApplyTaxAfterDiscount"] ??= false;
        body["AllowIPNPayment"] ??= false;
        body["AllowOnlinePayment"] ??= false;
        body["AllowOnlineCreditCardPayment"] ??= false;
        body["AllowOnlineACHPayment"] ??= false;
        body["Deposit"] ??= 0m;
        body["TotalAmt"] = total;
        body["Balance"] = total;
        AddressIds(body, "BillAddr", "ShipAddr");
        if (existing is { Voided: true })
        {
            ApplyVoid(body);
        }

        return body;
    }

    private static void RemoveDetailsBut(JsonObject line, string keep)
    {
        foreach (var key in line.Select(p => p.Key).Where(k => k.EndsWith("Detail", StringComparison.Ordinal) && k != keep).ToList())
        {
            line.Remove(key);
        }
    }

    private string NextDocNumber()
    {
        var max = _records[Invoice].Values
            .Select(r => long.TryParse(Text(r.Body["DocNumber"]), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0).Max();
        return Math.Max(1001, max + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Checks the reference <paramref name="key"/> of <paramref name="owner"/> and fills in its <c>name</c>; the record, or null when absent and optional.</summary>
    private QboRecord? RefTo(JsonObject owner, string key, string entity, string element, bool required)
    {
        var id = Text(owner[key]?["value"]);
        if (string.IsNullOrEmpty(id))
        {
            return required ? throw QboFaultException.Required(element) : null;
        }

        if (!TryParseId(id, out var number) || !_records[entity].TryGetValue(number, out var record))
        {
            throw QboFaultException.InvalidReference(element, entity, id);
        }

        if (!record.IsActive)
        {
            throw QboFaultException.NotFound(element);
        }

        var name = entity switch
        {
            Customer => Text(record.Body["DisplayName"]),
            _ => Text(record.Body["Name"]),
        };
        owner[key] = new JsonObject { ["value"] = id, ["name"] = name };
        return record;
    }

    private void AddressIds(JsonObject body, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (body[key] is JsonObject address && address["Id"] is null)
            {
                var ordered = new JsonObject { ["Id"] = (_nextAddressId++).ToString(CultureInfo.InvariantCulture) };
                foreach (var (k, value) in address)
                {
                    ordered[k] = value?.DeepClone();
                }

                body[key] = ordered;
            }
        }
    }
}
