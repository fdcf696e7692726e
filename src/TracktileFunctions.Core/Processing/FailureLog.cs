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
        await RecordAsync(queue, eventId, kind, reason, attempt, poisoned: true, cancellationToken).ConfigureAwait(false);
        await queues.SendAsync(PoisonQueueName(queue), BinaryData.FromString(message), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a new event (part of one that failed: a product of a page) in the poison queue of <paramref name="queue"/>
    /// and records why: a payload too large for a queue message goes to blob storage, as on the first hand-off.
    /// </summary>
    public async Task PoisonEventAsync(
        string queue, string source, EventEnvelope envelope, DateTimeOffset receivedAt, ReadOnlyMemory<byte> payload, string reason, long attempt,
        CancellationToken cancellationToken)
    {
        await RecordAsync(queue, envelope.Id, envelope.Kind, reason, attempt, poisoned: true, cancellationToken).ConfigureAwait(false);
        await queues.PublishAsync([PoisonQueueName(queue)], source, envelope, receivedAt, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records a failed attempt that will be retried (the host poisons it after its last attempt).</summary>
    public Task RecordAttemptAsync(string queue, string eventId, string kind, long attempt, string reason, CancellationToken cancellationToken)
        => RecordAsync(queue, eventId, kind, reason, attempt, poisoned: false, cancellationToken);

    private Task<Azure.Response> RecordAsync(string queue, string? eventId, string? kind, string reason, long? attempt, bool poisoned, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(queue, TableKeys.Escape(eventId ?? "unreadable-" + Guid.NewGuid().ToString("N")))
        {
            ["EventId"] = eventId,
            ["Kind"] = kind,
            ["Reason"] = reason.Length <= MaxReasonChars ? reason : reason[..MaxReasonChars],
            ["Attempt"] = attempt,
            ["Poisoned"] = poisoned,
            ["At"] = timeProvider.GetUtcNow(),
        };
        return table.RunAsync(t => t.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken), cancellationToken);
    }
}
