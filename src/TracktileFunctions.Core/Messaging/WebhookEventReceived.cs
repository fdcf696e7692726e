using System.Text.Json;

namespace TracktileFunctions.Messaging;

/// <summary>
/// A verified webhook event, as a queue consumer reads it: the envelope's id, kind and time, when it was received,
/// and the exact payload the sender signed (fetched back from blob storage when it was too large for the queue).
/// </summary>
/// <param name="Source">Which sender: <c>tracktile</c>, or a target system's name.</param>
/// <param name="EventId">The sender's event id: the de-duplication key.</param>
/// <param name="Kind">The event kind, e.g. <c>order.status.changed</c>.</param>
/// <param name="EventTime">The sender's event time, when it gave one.</param>
/// <param name="ReceivedAt">When this app accepted the event.</param>
/// <param name="Payload">The whole event body.</param>
public sealed record WebhookEventReceived(
    string Source,
    string EventId,
    string Kind,
    DateTimeOffset? EventTime,
    DateTimeOffset ReceivedAt,
    JsonElement Payload)
{
    /// <summary>Which delivery of the queue message this is (1 for the first); above 1, an earlier attempt may have had effects.</summary>
    public long Attempt { get; init; } = 1;
}
