using System.Text.Json;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// The ERP's <c>customer.updated</c> -> Tracktile's <c>PUT /customers/{tracktileId}</c>, without echo loops: the app
/// keeps a hash of the fields it last wrote for each customer and skips an update that would write the same values
/// again (our own write coming back, or a change to fields that are not synced). Conflicts: the newest change wins by
/// the event's own time; an older update arriving after a newer one changes nothing.
/// </summary>
public sealed class TracktileCustomerConsumer(TracktileClient tracktile, SyncStateStore state) : IEventConsumer
{
    /// <summary>The state scope (table partition) of customers written to Tracktile.</summary>
    public const string Scope = "tracktile-customer";

    private const int MaxSaveAttempts = 5;

    /// <inheritdoc />
    public string Name => "tracktile-customers";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (!evt.Payload.TryGetProperty("data", out var customer) || customer.ValueKind != JsonValueKind.Object)
        {
            throw new PermanentProcessingException($"{evt.Kind} event has no 'data' object");
        }

        var tracktileId = customer.TryGetProperty("tracktileId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        if (string.IsNullOrEmpty(tracktileId))
        {
            // Kept in the ledger with this outcome (and logged), so an operator can find every customer not synced.
            return "skipped: the ERP customer has no tracktileId, so there is no Tracktile customer to update";
        }

        var body = TracktileCustomerMapping.ToTracktile(customer);
        var hash = TracktileCustomerMapping.Hash(body);
        var time = evt.EffectiveTime();
        var record = await state.GetAsync(Scope, tracktileId, cancellationToken).ConfigureAwait(false);
        if (record is not null && record.IsNewerThan(time, evt.EventId))
        {
            return $"stale: older than the update applied at {record.AppliedEventTime:O}";
        }

        if (record?.Hash == hash)
        {
            return "unchanged: Tracktile already has these values (echo or no-op)";
        }

        await tracktile.PutCustomerAsync(tracktileId, body, cancellationToken).ConfigureAwait(false);
        var next = new SyncRecord(Scope, tracktileId)
        {
            TargetId = tracktileId,
            Hash = hash,
            Status = body.GetRawText(),
            AppliedEventId = evt.EventId,
            AppliedEventTime = time,
            ETag = record?.ETag ?? default,
        };

        for (var attempt = 1; !await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false); attempt++)
        {
            if (attempt == MaxSaveAttempts)
            {
                throw new InvalidOperationException($"customer {tracktileId}: state kept changing under {MaxSaveAttempts} saves");
            }

            // Another update of this customer saved in between; the two PUTs landed in an unknown order: write the newer again.
            var current = await state.GetAsync(Scope, tracktileId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"customer {tracktileId}: state vanished during a save");
            if (current.AppliedEventId == next.AppliedEventId)
            {
                break; // a redelivered copy of this very event saved first
            }

            var newest = current.IsNewerThan(next.AppliedEventTime!.Value, next.AppliedEventId!) ? current : next;
            if (current.Hash != next.Hash)
            {
                await tracktile.PutCustomerAsync(tracktileId, JsonElement.Parse(newest.Status!), cancellationToken).ConfigureAwait(false);
            }

            next = new SyncRecord(Scope, tracktileId)
            {
                TargetId = tracktileId,
                Hash = newest.Hash,
                Status = newest.Status,
                AppliedEventId = newest.AppliedEventId,
                AppliedEventTime = newest.AppliedEventTime,
                ETag = current.ETag,
            };
        }

        return $"updated Tracktile customer {tracktileId}";
    }
}
