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
    /// <returns>True when the payload went to blob storage.</returns>
    public async Task<bool> PublishAsync(
        IReadOnlyList<string> queueNames, string source, EventEnvelope envelope, DateTimeOffset receivedAt,
        ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueNames);
        var message = EventMessageCodec.EncodeInline(source, envelope, receivedAt, payload.Span);
        var claimCheck = message.Length > EventMessageCodec.MaxMessageBytes;
        if (claimCheck)
        {
            // The blob is written before any message refers to it.
            var blob = await payloads.SaveAsync(source, payload, cancellationToken).ConfigureAwait(false);
            message = EventMessageCodec.EncodeClaimCheck(source, envelope, receivedAt, blob);
        }

        var body = BinaryData.FromBytes(message);
        await (queueNames.Count == 1
            ? SendAsync(queueNames[0], body, cancellationToken)
            : Task.WhenAll(queueNames.Select(name => SendAsync(name, body, cancellationToken)))).ConfigureAwait(false);
        return claimCheck;
    }

    /// <summary>Sends a raw message (already the text a consumer expects) to one queue.</summary>
    public Task SendAsync(string queueName, BinaryData body, CancellationToken cancellationToken)
        => SendCoreAsync(_clients.GetOrAdd(queueName, queues.GetQueueClient), body, cancellationToken);

    private static async Task SendCoreAsync(QueueClient queue, BinaryData body, CancellationToken cancellationToken)
    {
        try
        {
            await queue.SendMessageAsync(body, timeToLive: NeverExpires, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await queue.SendMessageAsync(body, timeToLive: NeverExpires, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
