using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// A customer changed in Tracktile -> <c>PUT customers/{id}</c> in the ERP. It shares one sync record per customer with
/// <see cref="TracktileCustomerConsumer"/> (the hash of the synced fields last seen on either side), so our own write
/// to Tracktile coming back as a Tracktile event is recognised and goes no further: no echo loop in either direction.
/// </summary>
public sealed class ErpCustomerConsumer(TracktileClient tracktile, ErpClient erp, SyncStateStore state, IOptions<ErpCustomerOptions> options) : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "erp-customers";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var customerId = evt.RequiredString(options.Value.CustomerIdProperty);
        var time = evt.EffectiveTime();
        var record = await state.GetAsync(TracktileCustomerConsumer.Scope, customerId, cancellationToken).ConfigureAwait(false);
        if (record is not null && record.IsNewerThan(time, evt.EventId))
        {
            return $"stale: older than the change applied at {record.AppliedEventTime:O}";
        }

        var customer = await tracktile.GetCustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        var synced = TracktileCustomerMapping.SyncedFields(customer);
        var hash = TracktileCustomerMapping.Hash(synced);
        if (record?.Hash == hash)
        {
            return "unchanged: the ERP already has these values (our own write coming back, or a no-op)";
        }

        var erpId = customer.TryGetProperty("externalId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String ? id.GetString() : null;
        if (string.IsNullOrEmpty(erpId))
        {
            return "skipped: the Tracktile customer has no externalId, so there is no ERP customer to update";
        }

        await erp.PutCustomerAsync(erpId, TracktileCustomerMapping.ToErp(customer, customerId), $"tracktile-customer-{evt.EventId}", cancellationToken).ConfigureAwait(false);
        var next = new SyncRecord(TracktileCustomerConsumer.Scope, customerId)
        {
            TargetId = customerId,
            Hash = hash,
            Status = synced.GetRawText(),
            AppliedEventId = evt.EventId,
            AppliedEventTime = time,
            ETag = record?.ETag ?? default,
        };

        // A concurrent change of this customer saved first: let the queue retry, and the retry decides again.
        return await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false)
            ? $"updated ERP customer {erpId}"
            : throw new InvalidOperationException($"customer {customerId} changed concurrently; retrying");
    }
}
