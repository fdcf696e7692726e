using System.Buffers;
using System.Text.Json;

namespace TracktileFunctions.Messaging;

/// <summary>
/// Writes and reads the queue message for one event: a small JSON record with the envelope fields and either the
/// payload itself (as raw JSON, byte for byte) or, for a payload too large for a queue message, a claim-check
/// reference to the blob that holds it. The record may also carry the W3C trace context of the span that queued it
/// (<c>traceparent</c>, <c>tracestate</c>); a message without them (written before they existed) reads the same.
/// </summary>
public static class EventMessageCodec
{
    /// <summary>
    /// The largest message before base64: Azure Storage queue messages hold 64 KiB, and the Functions queue trigger
    /// expects base64, which turns every 3 bytes into 4.
    /// </summary>
    public const int MaxMessageBytes = 64 * 1024 / 4 * 3;

    /// <summary>
    /// Room kept free in an inline message for the fields a delayed retry adds (<c>priorAttempts</c>,
    /// <c>firstMessageId</c>), so a retry copy always fits where the first message did. The trace context is not among
    /// them: it is written in the first message (so the publisher's size check counts it) and a retry copy keeps the
    /// same one, bounded by <see cref="MaxTraceFieldsBytes"/>.
    /// </summary>
    public const int RetryFieldsReserve = 256;

    /// <summary>The most the trace context adds to a message: both fields with their names, quotes and commas.</summary>
    public const int MaxTraceFieldsBytes = MessageTraceContext.TraceParentLength + MessageTraceContext.MaxTraceStateLength + 40;

    /// <summary>The record wraps the payload one level deeper than the receiver allows it to be.</summary>
    internal static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = EventEnvelope.MaxDepth + 1 };

    /// <summary>Options for a payload on its own (a claim-checked blob): the receiver's limit.</summary>
    internal static readonly JsonDocumentOptions PayloadOptions = new() { MaxDepth = EventEnvelope.MaxDepth };

    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText EventIdName = JsonEncodedText.Encode("eventId");
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText EventTimeName = JsonEncodedText.Encode("eventTime");
    private static readonly JsonEncodedText ReceivedAtName = JsonEncodedText.Encode("receivedAt");
    private static readonly JsonEncodedText PayloadName = JsonEncodedText.Encode("payload");
    private static readonly JsonEncodedText PayloadBlobName = JsonEncodedText.Encode("payloadBlob");
    private static readonly JsonEncodedText PriorAttemptsName = JsonEncodedText.Encode("priorAttempts");
    private static readonly JsonEncodedText FirstMessageIdName = JsonEncodedText.Encode("firstMessageId");
    private static readonly JsonEncodedText TraceParentName = JsonEncodedText.Encode("traceparent");
    private static readonly JsonEncodedText TraceStateName = JsonEncodedText.Encode("tracestate");

    /// <summary>Writes a message that carries <paramref name="payload"/> inline (already validated JSON).</summary>
    /// <param name="source">The sender.</param>
    /// <param name="envelope">The event's id, kind and time.</param>
    /// <param name="receivedAt">When the app accepted it.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="priorAttempts">Attempts already made (a retry of part of an event); 0 for a first delivery.</param>
    /// <param name="trace">The trace context to carry, if any.</param>
    public static ReadOnlyMemory<byte> EncodeInline(
        string source, EventEnvelope envelope, DateTimeOffset receivedAt, ReadOnlySpan<byte> payload, int priorAttempts = 0, MessageTraceContext? trace = null)
        => Encode(source, envelope, receivedAt, payload, payloadBlob: null, Retry(priorAttempts), trace);

    /// <summary>Writes a message that points at the blob <paramref name="payloadBlob"/> holding the payload.</summary>
    /// <param name="source">The sender.</param>
    /// <param name="envelope">The event's id, kind and time.</param>
    /// <param name="receivedAt">When the app accepted it.</param>
    /// <param name="payloadBlob">The blob holding the payload.</param>
    /// <param name="priorAttempts">Attempts already made (a retry of part of an event); 0 for a first delivery.</param>
    /// <param name="trace">The trace context to carry, if any.</param>
    public static ReadOnlyMemory<byte> EncodeClaimCheck(
        string source, EventEnvelope envelope, DateTimeOffset receivedAt, string payloadBlob, int priorAttempts = 0, MessageTraceContext? trace = null)
        => Encode(source, envelope, receivedAt, default, payloadBlob, Retry(priorAttempts), trace);

    private static (int, string?)? Retry(int priorAttempts) => priorAttempts > 0 ? (priorAttempts, null) : null;

    /// <summary>
    /// The same record again, with the attempts made so far and the id of the queue message it was first delivered in
    /// (a retry after a delay is a new queue message; <see cref="DecodedEventMessage.PriorAttempts"/> 0 starts afresh,
    /// as a replay from poison does). The trace context stays the original one, so a retry continues the event's trace.
    /// </summary>
    public static ReadOnlyMemory<byte> Reencode(DecodedEventMessage message, int priorAttempts, string? firstMessageId)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = new EventEnvelope(message.EventId, message.Kind, message.EventTime);
        var retry = priorAttempts > 0 ? (priorAttempts, firstMessageId) : ((int, string?)?)null;
        return message.Payload is { } payload
            ? Encode(message.Source, envelope, message.ReceivedAt, System.Text.Encoding.UTF8.GetBytes(payload.GetRawText()), null, retry, message.Trace)
            : Encode(message.Source, envelope, message.ReceivedAt, default, message.PayloadBlob, retry, message.Trace);
    }

    private static ReadOnlyMemory<byte> Encode(
        string source, EventEnvelope envelope, DateTimeOffset receivedAt, ReadOnlySpan<byte> payload, string? payloadBlob,
        (int PriorAttempts, string? FirstMessageId)? retry, MessageTraceContext? trace)
    {
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(SourceName, source);
            writer.WriteString(EventIdName, envelope.Id);
            writer.WriteString(KindName, envelope.Kind);
            if (envelope.Time is { } time)
            {
                writer.WriteString(EventTimeName, time);
            }

            writer.WriteString(ReceivedAtName, receivedAt);
            if (trace is not null)
            {
                writer.WriteString(TraceParentName, trace.TraceParent);
                if (trace.TraceState is not null)
                {
                    writer.WriteString(TraceStateName, trace.TraceState);
                }
            }

            if (payloadBlob is null)
            {
                writer.WritePropertyName(PayloadName);
                writer.WriteRawValue(payload, skipInputValidation: true);
            }
            else
            {
                writer.WriteString(PayloadBlobName, payloadBlob);
            }

            if (retry is { } r)
            {
                writer.WriteNumber(PriorAttemptsName, r.PriorAttempts);
                if (r.FirstMessageId is not null)
                {
                    writer.WriteString(FirstMessageIdName, r.FirstMessageId);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenMemory; // no copy: the writer's buffer is the message
    }

    /// <summary>Reads a message written by this codec.</summary>
    /// <exception cref="InvalidEventMessageException">The text is not such a message.</exception>
    public static DecodedEventMessage Decode(string message)
    {
        try
        {
            using var document = JsonDocument.Parse(message, DocumentOptions);
            var root = document.RootElement;
            var source = RequiredString(root, "source");
            var eventId = RequiredString(root, "eventId");
            var kind = RequiredString(root, "kind");
            DateTimeOffset? eventTime = root.TryGetProperty("eventTime", out var t) ? t.GetDateTimeOffset() : null;
            var receivedAt = root.GetProperty("receivedAt").GetDateTimeOffset();
            JsonElement? payload = root.TryGetProperty("payload", out var p) ? p.Clone() : null;
            var blob = root.TryGetProperty("payloadBlob", out var b) ? b.GetString() : null;
            var priorAttempts = root.TryGetProperty("priorAttempts", out var a) ? a.GetInt32() : 0;
            var firstMessageId = root.TryGetProperty("firstMessageId", out var f) ? f.GetString() : null;
            // Optional, and never a reason to refuse a message: a malformed context is dropped, the event still runs.
            var trace = MessageTraceContext.Parse(OptionalString(root, "traceparent"), OptionalString(root, "tracestate"));
            if (payload is null && string.IsNullOrEmpty(blob))
            {
                throw new InvalidEventMessageException("message has neither payload nor payloadBlob");
            }

            return new DecodedEventMessage(source, eventId, kind, eventTime, receivedAt, payload, blob)
            {
                PriorAttempts = Math.Max(0, priorAttempts),
                FirstMessageId = firstMessageId,
                Trace = trace,
            };
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidEventMessageException("message is not an event record", ex);
        }
    }

    private static string? OptionalString(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string RequiredString(JsonElement root, string name)
        => root.GetProperty(name).GetString() is { Length: > 0 } value
            ? value
            : throw new InvalidEventMessageException($"message has no '{name}'");
}

/// <summary>A decoded queue message; exactly one of <see cref="Payload"/> and <see cref="PayloadBlob"/> is set.</summary>
public sealed record DecodedEventMessage(
    string Source,
    string EventId,
    string Kind,
    DateTimeOffset? EventTime,
    DateTimeOffset ReceivedAt,
    JsonElement? Payload,
    string? PayloadBlob)
{
    /// <summary>Attempts made before this queue message (it is a delayed retry when above 0).</summary>
    public int PriorAttempts { get; init; }

    /// <summary>For a delayed retry: the queue message the event was first delivered in (it owns the ledger claim).</summary>
    public string? FirstMessageId { get; init; }

    /// <summary>The trace context of the span that queued the event; null for a message without one.</summary>
    public MessageTraceContext? Trace { get; init; }
}

/// <summary>A queue message that is not an event record: a permanent failure.</summary>
public sealed class InvalidEventMessageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidEventMessageException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public InvalidEventMessageException(string message, Exception inner) : base(message, inner) { }
}
