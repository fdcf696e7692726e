using System.Text.Json;

namespace TracktileFunctions.Messaging;

/// <summary>Turns a dequeued message back into a <see cref="WebhookEventReceived"/>, fetching a claim-checked payload.</summary>
public sealed class EventMessageReader(PayloadStore payloads)
{
    /// <summary>Reads <paramref name="message"/> (the text the queue trigger hands over, already base64-decoded).</summary>
    /// <exception cref="InvalidEventMessageException">The message is not an event record.</exception>
    public Task<WebhookEventReceived> ReadAsync(string message, CancellationToken cancellationToken)
        => LoadAsync(EventMessageCodec.Decode(message), cancellationToken);

    /// <summary>The event of a decoded message, its payload fetched from blob storage when it was claim-checked.</summary>
    /// <exception cref="Azure.RequestFailedException">The claim-checked payload could not be read (404: it is gone).</exception>
    public async Task<WebhookEventReceived> LoadAsync(DecodedEventMessage decoded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        var payload = decoded.Payload ?? JsonElement.Parse(
            (await payloads.LoadAsync(decoded.PayloadBlob!, cancellationToken).ConfigureAwait(false)).ToMemory().Span,
            EventMessageCodec.PayloadOptions);
        return new WebhookEventReceived(decoded.Source, decoded.EventId, decoded.Kind, decoded.EventTime, decoded.ReceivedAt, payload);
    }

    /// <summary>Deletes a claim-checked payload once no message needs it (best effort: a failure leaves it in place).</summary>
    public Task ForgetPayloadAsync(DecodedEventMessage decoded, CancellationToken cancellationToken)
        => decoded?.PayloadBlob is { } blob ? payloads.DeleteAsync(blob, cancellationToken) : Task.CompletedTask;
}
