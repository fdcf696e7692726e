using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.BusinessCentral;

/// <summary>
/// A change in Business Central (a notification, or the reconciliation's find) -> the customer synced both ways
/// (<see cref="CustomerSync"/>): what changed in Business Central reaches Tracktile's <c>PUT /customers/{id}</c>, and
/// our own writes coming back as notifications change nothing (the echo guard). A <c>collection</c> notification (more
/// than 1,000 changes at once) is expanded into one event per customer changed since its time.
/// </summary>
public sealed class BusinessCentralCustomerConsumer(
    BusinessCentralClient bc, CustomerSync sync, SyncStateStore state, EventPublisher publisher, IOptions<BusinessCentralOptions> options, TimeProvider timeProvider)
    : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "businesscentral-customers";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var resource = evt.RequiredString("resource");
        var changeType = evt.OptionalString("changeType") ?? "updated";
        var (set, id) = BusinessCentralEvents.Parse(resource);
        if (!string.Equals(set, "customers", StringComparison.OrdinalIgnoreCase))
        {
            return $"ignored: only customers are synced from Business Central ({set ?? resource})";
        }

        if (changeType == "collection")
        {
            var filter = BusinessCentralEvents.Filter(resource);
            var count = await ReconcileAsync(filter, cancellationToken).ConfigureAwait(false);
            return $"expanded a collection notification into {count} customer changes";
        }

        if (id is null)
        {
            throw new PermanentProcessingException($"notification resource {resource} names no customer");
        }

        if (changeType == "deleted")
        {
            return $"skipped: customer {id} was deleted in Business Central (deletions are not synced)";
        }

        var tracktileId = await TracktileIdAsync(id, cancellationToken).ConfigureAwait(false);
        if (tracktileId is null)
        {
            return $"skipped: Business Central customer {id} is linked to no Tracktile customer (see BusinessCentral:Orders:CustomerNumbers)";
        }

        return await sync.SyncAsync($"{Name}/{evt.EventId}", CustomerConflictWinner.Erp, tracktileId, id, evt.EventId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues one event per customer matching <paramref name="filter"/> (all when null).</summary>
    /// <returns>How many were queued.</returns>
    public async Task<int> ReconcileAsync(string? filter, CancellationToken cancellationToken)
        => (await QueueChangedAsync(filter, cancellationToken).ConfigureAwait(false)).Count;

    /// <summary>Queues one event per customer matching <paramref name="filter"/>.</summary>
    /// <returns>How many were queued, and the newest <c>lastModifiedDateTime</c> seen.</returns>
    public async Task<(int Count, DateTimeOffset? Newest)> QueueChangedAsync(string? filter, CancellationToken cancellationToken)
    {
        var count = 0;
        DateTimeOffset? newest = null;
        var receivedAt = timeProvider.GetUtcNow();
        await foreach (var customer in bc.ListAsync("customers", filter, cancellationToken).ConfigureAwait(false))
        {
            if (BusinessCentralClient.Text(customer, "id") is not { } id)
            {
                continue;
            }

            var modified = BusinessCentralClient.Text(customer, "lastModifiedDateTime");
            var entry = BusinessCentralEvents.Entry("customers", id, modified);
            var envelope = BusinessCentralEvents.Envelope(entry);
            if (envelope.Time is { } time && (newest is null || time > newest))
            {
                newest = time;
            }

            await publisher.PublishAsync([QueueNames.BusinessCentralNotifications], BusinessCentralWebhook.Source, envelope, receivedAt,
                Encoding.UTF8.GetBytes(entry.ToJsonString()), cancellationToken).ConfigureAwait(false);
            count++;
        }

        return (count, newest);
    }

    /// <summary>The Tracktile customer a Business Central customer is linked to: the configured numbers, then the customer sync's links.</summary>
    private async Task<string?> TracktileIdAsync(string bcId, CancellationToken cancellationToken)
    {
        var numbers = options.Value.Orders.CustomerNumbers;
        if (numbers.Count > 0 && await bc.GetEntityAsync(BusinessCentralClient.Key("customers", bcId), cancellationToken).ConfigureAwait(false) is { } customer
            && BusinessCentralClient.Text(customer, "number") is { } number)
        {
            foreach (var (tracktileId, mapped) in numbers)
            {
                if (string.Equals(mapped, number, StringComparison.OrdinalIgnoreCase))
                {
                    return tracktileId;
                }
            }
        }

        return (await state.FindByTargetAsync(CustomerSync.Scope, bcId, cancellationToken).ConfigureAwait(false))?.Key;
    }
}
