using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.QuickBooks;

/// <summary>
/// <c>quickbooks-events</c> (webhooks and the change-data-capture reconciliation's finds) -> Tracktile. A customer changed
/// in QuickBooks is synced both ways through <see cref="CustomerSync"/> (what changed there reaches Tracktile's
/// <c>PUT /customers/{id}</c>; our own writes coming back change nothing). An invoice of the app's voided or deleted in
/// QuickBooks is noted on its order's record, so a later cancellation does not void it again. Changes of another company
/// than the connected one, of customers linked to no Tracktile customer, and of other entities are acknowledged and skipped.
/// </summary>
public sealed class QuickBooksEventConsumer(
    QuickBooksConnection connection, QuickBooksClient quickbooks, [FromKeyedServices(QuickBooksWebhook.Source)] CustomerSync sync, SyncStateStore state,
    IOptions<QuickBooksOptions> options) : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "quickbooks-events";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var realm = evt.RequiredString("realmId");
        var entity = evt.RequiredString("entity");
        var id = evt.RequiredString("entityId");
        var operation = evt.OptionalString("operation") ?? "updated";
        var connected = await connection.RealmIdAsync(cancellationToken).ConfigureAwait(false);
        if (realm != connected)
        {
            return $"ignored: {entity} {id} is in QuickBooks company {realm}, not the connected one ({connected})";
        }

        return entity switch
        {
            "customer" => await CustomerAsync(evt, id, operation, cancellationToken).ConfigureAwait(false),
            "invoice" => await InvoiceAsync(evt, id, operation, cancellationToken).ConfigureAwait(false),
            _ => $"ignored: QuickBooks {entity} changes are not synced",
        };
    }

    private async Task<string> CustomerAsync(WebhookEventReceived evt, string customerId, string operation, CancellationToken cancellationToken)
    {
        if (operation is "deleted" or "delete" or "merged" or "merge")
        {
            return $"skipped: QuickBooks customer {customerId} was {operation} (not synced to Tracktile)";
        }

        var tracktileId = options.Value.Customers.Map.FirstOrDefault(p => p.Value == customerId).Key
            ?? (await state.FindByTargetAsync(sync.Link.Scope, customerId, cancellationToken).ConfigureAwait(false))?.Key;
        if (tracktileId is null)
        {
            return $"skipped: QuickBooks customer {customerId} is linked to no Tracktile customer (a link is made when it is first invoiced, or in QuickBooks:Customers:Map)";
        }

        return await sync.SyncAsync($"{Name}/{evt.EventId}", CustomerConflictWinner.Erp, tracktileId, customerId, evt.EventId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> InvoiceAsync(WebhookEventReceived evt, string invoiceId, string operation, CancellationToken cancellationToken)
    {
        if (await state.FindByTargetAsync(QuickBooksLedger.InvoiceScope, invoiceId, cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return $"ignored: QuickBooks invoice {invoiceId} was not made by this app";
        }

        string? status = null;
        if (operation is "deleted" or "delete")
        {
            status = "deleted in QuickBooks";
        }
        else if (await quickbooks.GetAsync("Invoice", invoiceId, cancellationToken).ConfigureAwait(false) is not { } invoice)
        {
            status = "deleted in QuickBooks";
        }
        else if (QuickBooksMapping.IsVoided(invoice))
        {
            status = "voided";
        }

        if (status is null || record.Status == status)
        {
            return $"unchanged: invoice {invoiceId} of order {record.Key} ({record.Status})";
        }

        return await state.UnderLockAsync(QuickBooksLedger.InvoiceScope, record.Key, $"{Name}/{evt.EventId}", locked =>
        {
            locked.Status = status;
            return Task.FromResult(((SyncRecord?)locked, $"recorded: invoice {invoiceId} of order {locked.Key} is {status}"));
        }, cancellationToken).ConfigureAwait(false);
    }
}
