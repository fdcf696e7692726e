using Azure;
using Azure.Data.Tables;
using TracktileFunctions.Messaging;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// Where an operator sees what failed and why: the table <c>failures</c> (one row per queue and event, with the last
/// reason and whether it was poisoned), and <c>&lt;queue&gt;-poison</c>, which keeps the original message for replay.
/// </summary>
public sealed class FailureLog(LazyTable table, EventPublisher queues, TimeProvider timeProvider)
{
    /// <summary>The table's name.</summary>
    public const string TableName = "failures";

    private const int MaxReasonChars = 1_000;

    /// <summary>The poison queue of <paramref name="queue"/>, as the Functions host names it.</summary>
    public static string PoisonQueueName(string queue) => queue + "-poison";

    /// <summary>Moves <paramref name="message"/> to the poison queue now and records why.</summary>
    public async Task PoisonAsync(
        string queue, string message, string? eventId, string? kind, string reason, CancellationToken cancellationToken, long? attempt = null)
    {
        await RecordAsync(queue, eventId, kind, reason, attempt, PoisonPreview.OfMessage(message), cancellationToken).ConfigureAwait(false);
        await queues.SendAsync(PoisonQueueName(queue), BinaryData.FromString(message), cancellationToken).ConfigureAwait(false);
        Poisoned(queue);
    }

    /// <summary>
    /// Puts a new event (part of one that failed: a product of a page) in the poison queue of <paramref name="queue"/>
    /// and records why: a payload too large for a queue message goes to blob storage, as on the first hand-off.
    /// </summary>
    public async Task PoisonEventAsync(
        string queue, string source, EventEnvelope envelope, DateTimeOffset receivedAt, ReadOnlyMemory<byte> payload, string reason, long attempt,
        CancellationToken cancellationToken)
    {
        await RecordAsync(queue, envelope.Id, envelope.Kind, reason, attempt, PoisonPreview.OfPayload(payload.Span), cancellationToken).ConfigureAwait(false);
        await queues.PublishAsync([PoisonQueueName(queue)], source, envelope, receivedAt, payload, cancellationToken).ConfigureAwait(false);
        Poisoned(queue);
    }

    /// <summary>Records a failed attempt that will be retried (the host poisons it after its last attempt).</summary>
    public Task RecordAttemptAsync(string queue, string eventId, string kind, long attempt, string reason, CancellationToken cancellationToken)
        => RecordAsync(queue, eventId, kind, reason, attempt, preview: null, cancellationToken);

    /// <summary>Marks the failures of <paramref name="eventIds"/> on <paramref name="queue"/> as replayed: they leave the list of poisoned ones.</summary>
    public async Task MarkReplayedAsync(string queue, IEnumerable<string> eventIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        var now = timeProvider.GetUtcNow();
        foreach (var id in eventIds.Distinct(StringComparer.Ordinal))
        {
            var entity = new TableEntity(queue, TableKeys.Escape(id)) { ["Poisoned"] = false, ["ReplayedAt"] = now };
            try
            {
                await table.RunAsync(t => t.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                // Poisoned before failures were recorded per event (or by the host itself): nothing to mark.
            }
        }
    }

    /// <summary>The failures of <paramref name="queue"/> now in poison, newest first (one partition's query).</summary>
    public async Task<IReadOnlyList<FailureRecord>> ListPoisonedAsync(string queue, int max, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {queue} and Poisoned eq true");
        var found = new List<FailureRecord>();
        try
        {
            await foreach (var row in table.Client.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                found.Add(new FailureRecord(
                    row.PartitionKey,
                    row.GetString("EventId"),
                    row.GetString("Kind"),
                    row.GetDateTimeOffset("FirstSeenAt") ?? row.GetDateTimeOffset("At"),
                    row.GetDateTimeOffset("At"),
                    row.GetInt64("Attempt"),
                    row.GetString("Reason") ?? "",
                    row.GetString("Preview")));
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return []; // nothing ever failed: the table does not exist yet
        }

        // A table is read in key order; the newest failures are what a person looks for first.
        return [.. found.OrderByDescending(f => f.LastSeenAt).Take(max)];
    }

    /// <summary>
    /// One row per queue and event: its first and last failure, attempt, reason, and (once poisoned) a short preview.
    /// The first failure inserts the row with its first-seen time; later ones merge over it and keep that time.
    /// </summary>
    private async Task RecordAsync(string queue, string? eventId, string? kind, string reason, long? attempt, string? preview, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var entity = new TableEntity(queue, TableKeys.Escape(eventId ?? "unreadable-" + Guid.NewGuid().ToString("N")))
        {
            ["EventId"] = eventId,
            ["Kind"] = kind,
            ["Reason"] = reason.Length <= MaxReasonChars ? reason : reason[..MaxReasonChars],
            ["Attempt"] = attempt,
            ["Poisoned"] = preview is not null,
            ["At"] = now,
        };
        if (preview is not null)
        {
            entity["Preview"] = preview;
        }

        try
        {
            entity["FirstSeenAt"] = now;
            await table.RunAsync(t => t.AddEntityAsync(entity, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            entity.Remove("FirstSeenAt");
            await table.RunAsync(t => t.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Merge, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Poisoned(string queue)
        => Operations.AppTelemetry.Poisoned.Add(1, new KeyValuePair<string, object?>("queue", queue));
}

/// <summary>A failure now in poison, as the status page lists it.</summary>
/// <param name="Queue">The queue it failed on.</param>
/// <param name="EventId">Its event id (null for a message that was not an event record).</param>
/// <param name="Kind">Its kind.</param>
/// <param name="FirstSeenAt">Its first recorded failure.</param>
/// <param name="LastSeenAt">Its last recorded failure.</param>
/// <param name="Attempts">The attempts made when it was poisoned.</param>
/// <param name="Reason">Why (the last reason).</param>
/// <param name="Preview">The start of its payload.</param>
public sealed record FailureRecord(
    string Queue, string? EventId, string? Kind, DateTimeOffset? FirstSeenAt, DateTimeOffset? LastSeenAt, long? Attempts, string Reason, string? Preview);
