using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using TracktileFunctions.Messaging;
using TracktileFunctions.Storage;

namespace TracktileFunctions.Processing;

/// <summary>
/// Moves messages from <c>&lt;queue&gt;-poison</c> back to <c>&lt;queue&gt;</c>, unchanged, once their cause is fixed
/// (a mapping added, the ERP back): all of them, or the events a person chose. The stored text is moved as it is (so
/// even a message that is not valid base64 moves instead of blocking the rest). Each message is sent before it is
/// deleted, so a failure midway duplicates at worst, and the consumers de-duplicate (the ledger still applies).
/// </summary>
public sealed partial class PoisonReplayer(StorageClientFactory storage, FailureLog failures, ILogger<PoisonReplayer> logger)
{
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    /// <summary>How long a scanned message that was not chosen stays hidden while the scan goes on (it is shown again at the end).</summary>
    private static readonly TimeSpan ScanHold = TimeSpan.FromMinutes(5);

    private readonly QueueServiceClient _queues = storage.CreateQueueServiceClient(base64: false);

    /// <summary>The most messages one call moves (or, with chosen events, looks at).</summary>
    public const int MaxPerCall = 1_000;

    /// <summary>The most event ids one call takes.</summary>
    public const int MaxEventIds = 100;

    /// <summary>
    /// Replays up to <paramref name="max"/> messages of <paramref name="queue"/>'s poison queue, or, when
    /// <paramref name="eventIds"/> is given, only the messages of those events. Answers JSON: <c>{queue, moved, notFound}</c>.
    /// </summary>
    public async Task<HttpReply> ReplayAsync(string queue, int? max, IReadOnlyCollection<string>? eventIds, CancellationToken cancellationToken)
    {
        if (!QueueName().IsMatch(queue) || queue.EndsWith("-poison", StringComparison.Ordinal))
        {
            return new HttpReply(400, "name the queue to replay into (e.g. tracktile-orders), not its poison queue");
        }

        if (max is < 1 or > MaxPerCall)
        {
            return new HttpReply(400, $"'max' must be between 1 and {MaxPerCall}");
        }

        if (eventIds is { Count: 0 or > MaxEventIds } || eventIds?.Any(string.IsNullOrWhiteSpace) == true)
        {
            return new HttpReply(400, $"'eventIds' must hold 1 to {MaxEventIds} event ids");
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
        var wanted = eventIds?.ToHashSet(StringComparer.Ordinal);
        var limit = Math.Min(max ?? MaxPerCall, waiting);
        var moved = new List<string>();
        var movedCount = 0;
        var passedOver = new List<QueueMessage>();
        try
        {
            for (var seen = 0; seen < limit && (wanted is null || wanted.Count > 0);)
            {
                var batch = (await poison.ReceiveMessagesAsync(Math.Min(32, limit - seen), ScanHold, cancellationToken).ConfigureAwait(false)).Value;
                if (batch.Length == 0)
                {
                    break;
                }

                foreach (var message in batch)
                {
                    seen++;
                    var eventId = EventIdOf(message.Body);
                    if (wanted is not null && (eventId is null || !wanted.Remove(eventId)))
                    {
                        passedOver.Add(message);
                        continue;
                    }

                    await target.SendMessageAsync(message.Body, timeToLive: NeverExpires, cancellationToken: cancellationToken).ConfigureAwait(false);
                    await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                    movedCount++;
                    if (eventId is not null)
                    {
                        moved.Add(eventId);
                    }
                }
            }
        }
        finally
        {
            // The messages looked at but not chosen are shown again now, not in five minutes.
            foreach (var message in passedOver)
            {
                await poison.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero, cancellationToken: CancellationToken.None)
                    .ConfigureAwait(false);
            }
        }

        await failures.MarkReplayedAsync(queue, moved, cancellationToken).ConfigureAwait(false);
        Operations.AppTelemetry.Replayed.Add(movedCount, new KeyValuePair<string, object?>("queue", queue));
        LogReplayed(movedCount, poison.Name, queue);
        var notFound = wanted is null ? [] : eventIds!.Where(wanted.Contains).Distinct(StringComparer.Ordinal).ToList();
        return HttpReply.Json(new ReplayResult(queue, movedCount, notFound));
    }

    /// <summary>
    /// Answers an HTTP replay request: <paramref name="max"/> as the query gave it (null when absent), and a body that is
    /// empty (every message) or <c>{"eventIds": ["..."]}</c>.
    /// </summary>
    public async Task<HttpReply> ReplayRequestAsync(string queue, string? max, Stream body, CancellationToken cancellationToken)
    {
        int? limit = null;
        if (max is not null)
        {
            limit = int.TryParse(max, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : 0;
        }

        IReadOnlyCollection<string>? eventIds;
        try
        {
            eventIds = await ReadEventIdsAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return new HttpReply(400, "the body must be empty or {\"eventIds\": [\"...\"]}");
        }

        return await ReplayAsync(queue, limit, eventIds, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The event ids of a replay request's body: <c>{"eventIds": ["..."]}</c>; an empty body means every message (null).
    /// </summary>
    /// <exception cref="JsonException">The body is not such an object.</exception>
    internal static async Task<IReadOnlyCollection<string>?> ReadEventIdsAsync(Stream body, CancellationToken cancellationToken)
    {
        using var raw = await Webhooks.BoundedBody.ReadAsync(body, null, MaxRequestBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new JsonException("the body is too large");
        if (raw.Span.Trim(" \r\n\t"u8).IsEmpty)
        {
            return null;
        }

        var request = JsonSerializer.Deserialize<ReplayRequest>(raw.Span, HttpReply.JsonOptions);
        return request?.EventIds ?? throw new JsonException("the body must be {\"eventIds\": [\"...\"]}");
    }

    private const int MaxRequestBytes = 64 * 1024;

    /// <summary>The event id of a stored message: base64 of an event record (as the app writes), or an event record as plain text.</summary>
    private static string? EventIdOf(BinaryData body)
    {
        var text = body.ToString();
        try
        {
            var bytes = new byte[text.Length];
            if (Convert.TryFromBase64String(text, bytes, out var written))
            {
                text = Encoding.UTF8.GetString(bytes, 0, written);
            }

            return EventMessageCodec.Decode(text).EventId;
        }
        catch (InvalidEventMessageException)
        {
            return null; // not an event record: only a replay of everything moves it
        }
    }

    [GeneratedRegex(Webhooks.EventRoute.QueueNamePattern)]
    private static partial Regex QueueName();

    [LoggerMessage(LogLevel.Warning, "Replayed {Count} message(s) from {PoisonQueue} to {Queue}")]
    private partial void LogReplayed(int count, string poisonQueue, string queue);

    private sealed record ReplayRequest(IReadOnlyList<string>? EventIds);
}

/// <summary>What a replay did.</summary>
/// <param name="Queue">The queue the messages went back to.</param>
/// <param name="Moved">How many moved.</param>
/// <param name="NotFound">The chosen event ids that were not in the poison queue.</param>
public sealed record ReplayResult(string Queue, int Moved, IReadOnlyList<string> NotFound);
