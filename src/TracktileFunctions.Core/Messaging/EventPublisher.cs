using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace TracktileFunctions.Messaging;

/// <summary>
/// Puts one event on one or more queues: inline when it fits a queue message, otherwise with its payload in blob
/// storage (claim check) and a reference in the message. A queue is created the first time it is missing.
/// </summary>
public sealed class EventPublisher(QueueServiceClient queues, PayloadStore payloads)
{
    /// <summary>Messages never expire (the default is 7 days): an event waiting out an outage, or in a poison queue, stays.</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    private readonly ConcurrentDictionary<string, QueueClient> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// Sends the event to every queue in <paramref name="queueNames"/>; completes only when all of them hold it, and
    /// throws if any send fails (an HTTP caller answers 5xx and the sender retries; consumers de-duplicate the copies
    /// that did land).
    /// </summary>
    /// <param name="queueNames">Where to.</param>
    /// <param name="source">The sender.</param>
    /// <param name="envelope">The event's id, kind and time.</param>
    /// <param name="receivedAt">When the app accepted it.</param>
    /// <param name="payload">The payload (validated JSON).</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <param name="priorAttempts">Attempts already made (a retry of part of an event); 0 for a first delivery.</param>
    /// <param name="visibleAfter">Hides the messages this long first (a delayed retry); visible at once when null.</param>
    /// <param name="trace">The trace context the messages carry; null: that of <see cref="System.Diagnostics.Activity.Current"/>, if any.</param>
    /// <returns>True when the payload went to blob storage.</returns>
    public async Task<bool> PublishAsync(
        IReadOnlyList<string> queueNames, string source, EventEnvelope envelope, DateTimeOffset receivedAt,
        ReadOnlyMemory<byte> payload, CancellationToken cancellationToken, int priorAttempts = 0, TimeSpan? visibleAfter = null,
        MessageTraceContext? trace = null)
    {
        ArgumentNullException.ThrowIfNull(queueNames);
        trace ??= MessageTraceContext.Current; // the consumer's span continues this trace
        var message = EventMessageCodec.EncodeInline(source, envelope, receivedAt, payload.Span, priorAttempts, trace);
        if (message.Length <= EventMessageCodec.MaxMessageBytes - EventMessageCodec.RetryFieldsReserve)
        {
            var body = BinaryData.FromBytes(message);
            await (queueNames.Count == 1
                ? SendAsync(queueNames[0], body, cancellationToken, visibleAfter)
                : Task.WhenAll(queueNames.Select(name => SendAsync(name, body, cancellationToken, visibleAfter)))).ConfigureAwait(false);
            return false;
        }

        // Claim check: one blob per queue (each queue's consumer deletes its own copy when done), written before any
        // message refers to it.
        await Task.WhenAll(queueNames.Select(async name =>
        {
            var blob = await payloads.SaveAsync(source, name, envelope.Id, payload, cancellationToken).ConfigureAwait(false);
            var reference = EventMessageCodec.EncodeClaimCheck(source, envelope, receivedAt, blob, priorAttempts, trace);
            await SendAsync(name, BinaryData.FromBytes(reference), cancellationToken, visibleAfter).ConfigureAwait(false);
        })).ConfigureAwait(false);
        return true;
    }

    /// <summary>Sends a raw message (already the text a consumer expects) to one queue.</summary>
    /// <param name="queueName">The queue.</param>
    /// <param name="body">The message.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <param name="visibleAfter">Hides the message this long first (a delayed retry); visible at once when null.</param>
    public Task SendAsync(string queueName, BinaryData body, CancellationToken cancellationToken, TimeSpan? visibleAfter = null)
        => SendCoreAsync(_clients.GetOrAdd(queueName, queues.GetQueueClient), body, visibleAfter, cancellationToken);

    private static async Task SendCoreAsync(QueueClient queue, BinaryData body, TimeSpan? visibleAfter, CancellationToken cancellationToken)
    {
        try
        {
            await queue.SendMessageAsync(body, visibleAfter, NeverExpires, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await queue.SendMessageAsync(body, visibleAfter, NeverExpires, cancellationToken).ConfigureAwait(false);
        }
    }
}
