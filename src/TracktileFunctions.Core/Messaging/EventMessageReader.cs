using System.Text.Json;

namespace TracktileFunctions.Messaging;

/// <summary>Turns a dequeued message back into a <see cref="WebhookEventReceived"/>, fetching a claim-checked payload.</summary>
public sealed class EventMessageReader(PayloadStore payloads)
{
    /// <summary>Reads <paramref name="message"/> (the text the queue trigger hands over, already base64-decoded).</summary>
    /// <exception cref="InvalidEventMessageException">The message is not an event record.</exception>
    public async Task<WebhookEventReceived> ReadAsync(string message, CancellationToken cancellationToken)
    {
        var decoded = EventMessageCodec.Decode(message);
        var payload = decoded.Payload
            ?? JsonElement.Parse((await payloads.LoadAsync(decoded.PayloadBlob!, cancellationToken).ConfigureAwait(false)).ToMemory().Span);
        return new WebhookEventReceived(
            decoded.Source, decoded.EventId, decoded.Kind, decoded.EventTime, decoded.ReceivedAt, payload);
    }
}
