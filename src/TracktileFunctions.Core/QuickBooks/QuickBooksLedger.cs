using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Accounting;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// QuickBooks Online as the ledger. An invoice is looked up by its <c>DocNumber</c> (and the Tracktile order named in its
/// note) before it is created, and created with a <c>requestid</c> derived from the order and the body, so a lost answer
/// or a redelivery never makes a second one. Customers and items are found through the configured map, then the links
/// the app keeps in sync state, then by display name or SKU, and created when allowed. Updates are sparse and carry the
/// current <c>SyncToken</c>; a stale one (5010) is read again and retried.
/// </summary>
public sealed class QuickBooksLedger(
    QuickBooksClient quickbooks, TracktileClient tracktile, ProductSkuIndex skus, SyncStateStore state, IOptions<QuickBooksOptions> options) : ILedger
{
    /// <summary>The sync state scope of Tracktile customers linked to QuickBooks customers (the customer sync's records).</summary>
    public const string CustomerScope = "quickbooks-customer";

    /// <summary>The sync state scope of invoiced Tracktile orders (their invoice's id and state).</summary>
    public const string InvoiceScope = "quickbooks-invoice";

    /// <summary>The sync state scope of Tracktile products linked to QuickBooks items.</summary>
    public const string ItemScope = "quickbooks-item";

    private const int StaleRetries = 3;

    private readonly QuickBooksOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "QuickBooks";

    /// <inheritdoc />
    public async Task<LedgerInvoiceResult> CreateInvoiceAsync(LedgerInvoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        if (invoice.Number.Length > QuickBooksMapping.DocNumberLength)
        {
            throw new PermanentProcessingException(
                $"order {invoice.OrderId}: invoice number {invoice.Number} is longer than QuickBooks' {QuickBooksMapping.DocNumberLength} characters (shorten QuickBooks:Invoices:DocNumberPrefix)");
        }

        var sameNumber = await quickbooks.QueryAsync("Invoice", $"select * from Invoice where DocNumber = {QuickBooksClient.Quote(invoice.Number)}", cancellationToken)
            .ConfigureAwait(false);
        if (sameNumber.FirstOrDefault(i => QuickBooksMapping.IsFor(i, invoice.OrderId)) is { ValueKind: JsonValueKind.Object } found)
        {
            return new LedgerInvoiceResult(QuickBooksClient.Text(found, "Id")!, true, Describe(found));
        }

        if (sameNumber.Count > 0)
        {
            throw new PermanentProcessingException(
                $"order {invoice.OrderId}: QuickBooks invoice {QuickBooksClient.Text(sameNumber[0], "Id")} already has number {invoice.Number} and was not made for this order (set QuickBooks:Invoices:DocNumberPrefix)");
        }

        var customerId = await CustomerIdAsync(invoice.CustomerId, cancellationToken).ConfigureAwait(false);
        var itemIds = new List<string>();
        foreach (var line in invoice.Lines)
        {
            itemIds.Add(await ItemIdAsync(line.ProductId, cancellationToken).ConfigureAwait(false));
        }

        var body = QuickBooksMapping.InvoiceBody(invoice, customerId, itemIds);
        var created = await quickbooks.PostAsync("Invoice", body, QuickBooksMapping.RequestId("inv", invoice.OrderId, body.ToJsonString()), null, cancellationToken)
            .ConfigureAwait(false);
        return new LedgerInvoiceResult(QuickBooksClient.Text(created, "Id")
            ?? throw new QuickBooksApiException(200, Http.JsonHttp.MalformedResponse, null, "the created invoice has no Id", transient: true), false, Describe(created));
    }

    /// <inheritdoc />
    public async Task<string> VoidInvoiceAsync(string invoiceId, string orderId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await quickbooks.GetAsync("Invoice", invoiceId, cancellationToken).ConfigureAwait(false) is not { } current)
            {
                return $"unchanged: invoice {invoiceId} of order {orderId} is no longer in QuickBooks (deleted there)";
            }

            if (!QuickBooksMapping.IsFor(current, orderId) && !QuickBooksMapping.IsVoided(current))
            {
                throw new PermanentProcessingException(
                    $"QuickBooks invoice {invoiceId} does not name Tracktile order {orderId} in its note: not voided (was the company changed, or the note edited?)");
            }

            if (QuickBooksMapping.IsVoided(current))
            {
                return $"unchanged: invoice {invoiceId} of order {orderId} is already voided in QuickBooks";
            }

            var syncToken = QuickBooksClient.Text(current, "SyncToken");
            try
            {
                await quickbooks.PostAsync("Invoice", new JsonObject { ["Id"] = invoiceId, ["SyncToken"] = syncToken },
                    QuickBooksMapping.RequestId("void", invoiceId, syncToken), "void", cancellationToken).ConfigureAwait(false);
                return $"voided QuickBooks invoice {invoiceId} of cancelled order {orderId}";
            }
            catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.StaleObject && attempt < StaleRetries)
            {
                // Someone changed it meanwhile: read it again (its new SyncToken gives a new requestid).
            }
        }
    }

    /// <inheritdoc />
    public async Task<JsonElement> GetCustomerAsync(string erpCustomerId, CancellationToken cancellationToken)
        => await quickbooks.GetAsync("Customer", erpCustomerId, cancellationToken).ConfigureAwait(false) is { } customer
            ? QuickBooksMapping.ToSyncedCustomer(customer)
            : throw new QuickBooksApiException(400, QuickBooksApiException.ObjectNotFound, null, $"customer {erpCustomerId} is not in QuickBooks");

    /// <inheritdoc />
    public JsonElement Project(JsonElement customer) => QuickBooksMapping.ProjectCustomer(customer);

    /// <inheritdoc />
    public async Task PutCustomerAsync(string erpCustomerId, string tracktileCustomerId, JsonElement customer, string idempotencyKey, CancellationToken cancellationToken)
    {
        var fields = QuickBooksMapping.FromSyncedCustomer(customer, clearAbsent: true);
        if (fields.Count == 0)
        {
            return;
        }

        await SparseUpdateAsync("Customer", erpCustomerId, fields, idempotencyKey, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A sparse update with the current <c>SyncToken</c>, read again and retried when it went stale.</summary>
    private async Task SparseUpdateAsync(string entity, string id, JsonObject fields, string key, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await quickbooks.GetAsync(entity, id, cancellationToken).ConfigureAwait(false)
                ?? throw new QuickBooksApiException(400, QuickBooksApiException.ObjectNotFound, null, $"{entity} {id} is not in QuickBooks");
            var syncToken = QuickBooksClient.Text(current, "SyncToken");
            var body = (JsonObject)fields.DeepClone();
            body["Id"] = id;
            body["SyncToken"] = syncToken;
            body["sparse"] = true;
            try
            {
                await quickbooks.PostAsync(entity, body, QuickBooksMapping.RequestId("upd", key, id, syncToken), null, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.StaleObject && attempt < StaleRetries)
            {
                // Changed meanwhile (a person in QuickBooks, another instance): read again and retry.
            }
        }
    }

    /// <summary>The QuickBooks customer of a Tracktile customer: mapped, linked, found by display name, or created.</summary>
    private async Task<string> CustomerIdAsync(string tracktileCustomerId, CancellationToken cancellationToken)
    {
        if ((await state.GetAsync(CustomerScope, tracktileCustomerId, cancellationToken).ConfigureAwait(false))?.TargetId is { } linked)
        {
            return linked;
        }

        var customer = await tracktile.GetCustomerAsync(tracktileCustomerId, cancellationToken).ConfigureAwait(false);
        if (_options.Customers.Map.TryGetValue(tracktileCustomerId, out var mapped))
        {
            // Linked too, so the customer sync knows it from the first invoice on.
            var current = _options.Customers.ConflictWinner == CustomerConflictWinner.Tracktile
                ? await quickbooks.GetAsync("Customer", mapped, cancellationToken).ConfigureAwait(false)
                : null;
            var start = current is { } c ? QuickBooksMapping.ToSyncedCustomer(c) : QuickBooksMapping.ProjectCustomer(customer);
            return await LinkAsync(CustomerScope, tracktileCustomerId, mapped, CustomerFields.From(start).ToStoredJson(), refuseShared: false, cancellationToken).ConfigureAwait(false);
        }

        var fields = QuickBooksMapping.FromSyncedCustomer(customer);
        var name = fields["DisplayName"]?.GetValue<string>()
            ?? throw new PermanentProcessingException($"Tracktile customer {tracktileCustomerId} has no name to find or create it by in QuickBooks (or map it in QuickBooks:Customers:Map)");
        var found = await FindCustomerAsync(name, cancellationToken).ConfigureAwait(false);
        var id = found is { } f ? QuickBooksClient.Text(f, "Id") : null;
        // The base of the customer sync: where the two differ at linking, the conflict winner's values are what changed.
        var projected = QuickBooksMapping.ProjectCustomer(customer);
        var baseline = found is { } match && _options.Customers.ConflictWinner == CustomerConflictWinner.Tracktile ? QuickBooksMapping.ToSyncedCustomer(match) : projected;
        if (id is null)
        {
            if (!_options.Customers.CreateMissing)
            {
                throw new PermanentProcessingException(
                    $"Tracktile customer {tracktileCustomerId} ({name}) is not in QuickBooks: map it in QuickBooks:Customers:Map, or set QuickBooks:Customers:CreateMissing");
            }

            try
            {
                var created = await quickbooks.PostAsync("Customer", fields, QuickBooksMapping.RequestId("cus", tracktileCustomerId, fields.ToJsonString()), null, cancellationToken)
                    .ConfigureAwait(false);
                id = QuickBooksClient.Text(created, "Id");
            }
            catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.DuplicateName)
            {
                id = (await FindCustomerAsync(name, cancellationToken).ConfigureAwait(false) is { } raced ? QuickBooksClient.Text(raced, "Id") : null) ?? throw new PermanentProcessingException(
                    $"Tracktile customer {tracktileCustomerId}: QuickBooks has a customer (or another name: vendor, employee) named {name} that is inactive or not a customer; map it in QuickBooks:Customers:Map");
            }
        }

        return await LinkAsync(CustomerScope, tracktileCustomerId, id!, CustomerFields.From(baseline).ToStoredJson(), refuseShared: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement?> FindCustomerAsync(string name, CancellationToken cancellationToken)
        => (await quickbooks.QueryAsync("Customer", $"select * from Customer where DisplayName = {QuickBooksClient.Quote(name)}", cancellationToken).ConfigureAwait(false))
            .Where(c => QuickBooksClient.Text(c, "Id") is not null).Select(c => (JsonElement?)c).FirstOrDefault();

    /// <summary>The QuickBooks item of a Tracktile product: mapped, linked, found by SKU (or name), or created.</summary>
    private async Task<string> ItemIdAsync(string productId, CancellationToken cancellationToken)
    {
        if (_options.Items.Map.TryGetValue(productId, out var mapped))
        {
            return mapped;
        }

        if ((await state.GetAsync(ItemScope, productId, cancellationToken).ConfigureAwait(false))?.TargetId is { } linked)
        {
            return linked;
        }

        var sku = await skus.SkuOfAsync(productId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotReadyException($"product {productId} has no SKU in the index yet (the product batch feeds it), so its QuickBooks item is unknown; or map it in QuickBooks:Items:Map");
        var field = _options.Items.MatchBy.ToString(); // the enum's names are the item's fields
        var id = await FindItemAsync(field, sku, cancellationToken).ConfigureAwait(false);
        if (id is null)
        {
            if (!_options.Items.CreateMissing || _options.Items.IncomeAccountId is not { } account)
            {
                throw new PermanentProcessingException(
                    $"product {productId} (SKU {sku}) has no QuickBooks item with {field} {sku}: map it in QuickBooks:Items:Map, or set QuickBooks:Items:CreateMissing and IncomeAccountId");
            }

            var body = new JsonObject
            {
                [nameof(QuickBooksItemMatch.Name)] = sku.Length <= QuickBooksMapping.ItemNameLength ? sku : sku[..QuickBooksMapping.ItemNameLength],
                ["Sku"] = sku,
                ["Type"] = _options.Items.Type.ToString(),
                ["IncomeAccountRef"] = new JsonObject { ["value"] = account },
            };
            try
            {
                id = QuickBooksClient.Text(await quickbooks.PostAsync("Item", body, QuickBooksMapping.RequestId("item", productId, body.ToJsonString()), null, cancellationToken)
                    .ConfigureAwait(false), "Id");
            }
            catch (QuickBooksApiException ex) when (ex.ErrorCode == QuickBooksApiException.DuplicateName)
            {
                id = await FindItemAsync(nameof(QuickBooksItemMatch.Name), sku, cancellationToken).ConfigureAwait(false) ?? throw new PermanentProcessingException(
                    $"product {productId}: QuickBooks has an inactive item named {sku}; make it active or map the product in QuickBooks:Items:Map");
            }
        }

        return await LinkAsync(ItemScope, productId, id!, null, refuseShared: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string?> FindItemAsync(string field, string value, CancellationToken cancellationToken)
        => (await quickbooks.QueryAsync("Item", $"select * from Item where {field} = {QuickBooksClient.Quote(value)}", cancellationToken).ConfigureAwait(false))
            .Select(i => QuickBooksClient.Text(i, "Id")).FirstOrDefault(i => i is not null);

    /// <summary>
    /// Keeps the link (the first one wins: two invoices finding the same customer at once agree on it), with the customer
    /// sync's base. With <paramref name="refuseShared"/>, a QuickBooks customer linked to another Tracktile customer already
    /// (two found by one name) is refused: their edits would overwrite each other. (A mapping that shares one is a choice.)
    /// </summary>
    private async Task<string> LinkAsync(string scope, string key, string id, string? baseline, bool refuseShared, CancellationToken cancellationToken)
        => await state.UnderLockAsync(scope, key, $"link/{Guid.NewGuid():N}", async record =>
        {
            if (record.TargetId is { } existing)
            {
                return ((SyncRecord?)null, existing);
            }

            if (refuseShared && await state.FindByTargetAsync(scope, id, cancellationToken).ConfigureAwait(false) is { } other && other.Key != key)
            {
                throw new PermanentProcessingException(
                    $"QuickBooks customer {id} is linked to Tracktile customer {other.Key} already, and Tracktile customer {key} has the same name: map one of them in QuickBooks:Customers:Map");
            }

            record.TargetId = id;
            record.Status ??= baseline;
            return ((SyncRecord?)record, id);
        }, cancellationToken).ConfigureAwait(false);

    private static string Describe(JsonElement invoice)
        => $"number {QuickBooksClient.Text(invoice, "DocNumber") ?? "-"}, total {(invoice.TryGetProperty("TotalAmt", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDecimal().ToString(CultureInfo.InvariantCulture) : "?")}";
}
