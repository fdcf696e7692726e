using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using TracktileFunctions.Accounting;
using TracktileFunctions.Processing;
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
    QuickBooksClient quickbooks, TracktileClient tracktile, QuickBooksItems items, SyncStateStore state, IOptions<QuickBooksOptions> options) : ILedger
{
    /// <summary>The sync state scope of Tracktile customers linked to QuickBooks customers (the customer sync's records).</summary>
    public const string CustomerScope = "quickbooks-customer";

    /// <summary>The sync state scope of invoiced Tracktile orders (their invoice's id and state).</summary>
    public const string InvoiceScope = "quickbooks-invoice";

    /// <summary>The sync state scope of Tracktile products linked to QuickBooks items.</summary>
    public const string ItemScope = QuickBooksItems.Scope;

    private const int StaleRetries = QuickBooksClient.StaleRetries;

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
            itemIds.Add(await items.ItemIdAsync(line.ProductId, cancellationToken).ConfigureAwait(false));
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

        await quickbooks.SparseUpdateAsync("Customer", erpCustomerId, _ => fields, idempotencyKey, cancellationToken).ConfigureAwait(false);
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
            return await state.LinkAsync(CustomerScope, tracktileCustomerId, mapped, CustomerFields.From(start).ToStoredJson(), refuseShared: false, cancellationToken).ConfigureAwait(false);
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

        return await state.LinkAsync(CustomerScope, tracktileCustomerId, id!, CustomerFields.From(baseline).ToStoredJson(), refuseShared: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement?> FindCustomerAsync(string name, CancellationToken cancellationToken)
        => (await quickbooks.QueryAsync("Customer", $"select * from Customer where DisplayName = {QuickBooksClient.Quote(name)}", cancellationToken).ConfigureAwait(false))
            .Where(c => QuickBooksClient.Text(c, "Id") is not null).Select(c => (JsonElement?)c).FirstOrDefault();

    private static string Describe(JsonElement invoice)
        => $"number {QuickBooksClient.Text(invoice, "DocNumber") ?? "-"}, total {(invoice.TryGetProperty("TotalAmt", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetDecimal().ToString(CultureInfo.InvariantCulture) : "?")}";
}
