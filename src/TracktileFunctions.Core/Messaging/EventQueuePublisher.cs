using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace TracktileFunctions.Messaging;

/// <summary>Sends one message to several queues, creating a queue the first time it is missing.</summary>
public sealed class EventQueuePublisher(QueueServiceClient queues)
{
    private readonly ConcurrentDictionary<string, QueueClient> _clients = new(StringComparer.Ordinal);

    /// <summary>
    /// Sends <paramref name="message"/> to every queue in <paramref name="queueNames"/>; completes only when all of
    /// them hold it, and throws if any send fails (the caller answers 5xx, the sender retries, and consumers
    /// de-duplicate the copies that did land).
    /// </summary>
    public Task PublishAsync(IReadOnlyList<string> queueNames, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        var body = BinaryData.FromBytes(message);
        return queueNames.Count == 1
            ? SendAsync(queueNames[0], body, cancellationToken)
            : Task.WhenAll(queueNames.Select(name => SendAsync(name, body, cancellationToken)));
    }

    private async Task SendAsync(string queueName, BinaryData body, CancellationToken cancellationToken)
    {
        var queue = _clients.GetOrAdd(queueName, queues.GetQueueClient);
        try
        {
            await queue.SendMessageAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == QueueErrorCode.QueueNotFound)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await queue.SendMessageAsync(body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
