using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// Moves messages from <c>&lt;queue&gt;-poison</c> back to <c>&lt;queue&gt;</c>, unchanged, once their cause is fixed
/// (a mapping added, the ERP back). The stored text is moved as it is (so even a message that is not valid base64 moves
/// instead of blocking the rest). Each message is sent before it is deleted, so a failure midway duplicates at worst,
/// and the consumers de-duplicate.
/// </summary>
public sealed partial class PoisonReplayer(StorageClientFactory storage, ILogger<PoisonReplayer> logger)
{
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);
    private readonly QueueServiceClient _queues = storage.CreateQueueServiceClient(base64: false);

    /// <summary>The most messages one call moves.</summary>
    public const int MaxPerCall = 1_000;

    /// <summary>Replays up to <paramref name="max"/> messages of <paramref name="queue"/>'s poison queue.</summary>
    public async Task<HttpReply> ReplayAsync(string queue, int? max, CancellationToken cancellationToken)
    {
        if (!QueueName().IsMatch(queue) || queue.EndsWith("-poison", StringComparison.Ordinal))
        {
            return new HttpReply(400, "name the queue to replay into (e.g. tracktile-orders), not its poison queue");
        }

        if (max is < 1 or > MaxPerCall)
        {
            return new HttpReply(400, $"'max' must be between 1 and {MaxPerCall}");
        }

        var poison = _queues.GetQueueClient(FailureLog.PoisonQueueName(queue));
        var target = _queues.GetQueueClient(queue);
        if (!await poison.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return new HttpReply(404, $"{poison.Name} does not exist");
        }

        await target.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

        // At most what was in poison when this call began: a message that fails again at once comes back to poison as a
        // new message, and stays there with its new reason instead of being moved round and round.
        var waiting = (await poison.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount;
        var limit = Math.Min(max ?? MaxPerCall, waiting);
        var moved = 0;
        while (moved < limit)
        {
            var batch = (await poison.ReceiveMessagesAsync(Math.Min(32, limit - moved), TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false)).Value;
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                await target.SendMessageAsync(message.Body, timeToLive: NeverExpires, cancellationToken: cancellationToken).ConfigureAwait(false);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                moved++;
            }
        }

        LogReplayed(moved, poison.Name, queue);
        return new HttpReply(200, $"moved {moved} message(s) from {poison.Name} to {queue}");
    }

    [GeneratedRegex(Webhooks.EventRoute.QueueNamePattern)]
    private static partial Regex QueueName();

    [LoggerMessage(LogLevel.Warning, "Replayed {Count} message(s) from {PoisonQueue} to {Queue}")]
    private partial void LogReplayed(int count, string poisonQueue, string queue);
}
