using System.Diagnostics;
using System.Text;
using System.Text.Json;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.UnitTests.Messaging;

/// <summary>The W3C trace context a queue message carries, and the messages written before it did.</summary>
public sealed class EventMessageCodecTraceContextTests
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    private static readonly DateTimeOffset ReceivedAt = new(2024, 1, 15, 10, 30, 5, TimeSpan.Zero);
    private static readonly EventEnvelope Envelope = new("evt_abc123", "order.status.changed", new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    private static DecodedEventMessage Decode(ReadOnlyMemory<byte> message) => EventMessageCodec.Decode(Encoding.UTF8.GetString(message.Span));

    [Fact]
    public void Decode_InlineWithTraceContext_RoundTripsTraceparentAndTracestate()
    {
        var message = EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, """{"a":1}"""u8, trace: new MessageTraceContext(TraceParent, "congo=t61rcWkgMzE"));

        var decoded = Decode(message);

        Assert.Equal(new MessageTraceContext(TraceParent, "congo=t61rcWkgMzE"), decoded.Trace);
        using var document = JsonDocument.Parse(message);
        Assert.Equal(TraceParent, document.RootElement.GetProperty("traceparent").GetString());
    }

    [Fact]
    public void Decode_ClaimCheckWithTraceContext_RoundTripsTraceparent()
    {
        var message = EventMessageCodec.EncodeClaimCheck("tracktile", Envelope, ReceivedAt, "tracktile/abc.json", trace: new MessageTraceContext(TraceParent, null));

        Assert.Equal(new MessageTraceContext(TraceParent, null), Decode(message).Trace);
    }

    [Fact]
    public void Decode_MessageWrittenBeforeTraceContext_ReadsWithoutOne()
    {
        const string old = """{"source":"tracktile","eventId":"evt_1","kind":"order.status.changed","eventTime":"2024-01-15T10:30:00+00:00","receivedAt":"2024-01-15T10:30:05+00:00","payload":{"a":1},"priorAttempts":2,"firstMessageId":"m-1"}""";

        var decoded = EventMessageCodec.Decode(old);

        Assert.Null(decoded.Trace);
        Assert.Equal(("evt_1", 2, "m-1"), (decoded.EventId, decoded.PriorAttempts, decoded.FirstMessageId));
        Assert.Equal("""{"a":1}""", decoded.Payload!.Value.GetRawText());
    }

    [Fact]
    public void EncodeInline_NoTraceContext_WritesNoTraceFields()
    {
        var text = Encoding.UTF8.GetString(EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, "{}"u8).Span);

        Assert.DoesNotContain("traceparent", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tracestate", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"not-a-traceparent\"")]
    [InlineData("\"00-00000000000000000000000000000000-b7ad6b7169203331-01\"")]
    [InlineData("42")]
    public void Decode_MalformedTraceparent_ReadsTheEventWithoutATrace(string value)
    {
        var text = """{"source":"tracktile","eventId":"evt_1","kind":"k","receivedAt":"2024-01-15T10:30:05+00:00","traceparent":""" + value + ""","payload":{}}""";

        var decoded = EventMessageCodec.Decode(text);

        Assert.Null(decoded.Trace);
        Assert.Equal("evt_1", decoded.EventId);
    }

    [Fact]
    public void Reencode_DelayedRetry_KeepsTheOriginalTraceContext()
    {
        var first = Decode(EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, "{}"u8, trace: new MessageTraceContext(TraceParent, "a=b")));

        var retry = Decode(EventMessageCodec.Reencode(first, 3, "m-1"));
        var poison = Decode(EventMessageCodec.Reencode(first, 0, null));

        Assert.Equal(first.Trace, retry.Trace);
        Assert.Equal(3, retry.PriorAttempts);
        Assert.Equal(first.Trace, poison.Trace);
    }

    [Fact]
    public void Reencode_LargestInlineMessageWithLongestTraceContextAsALateRetry_StillFitsAQueueMessage()
    {
        var trace = new MessageTraceContext(TraceParent, new string('s', MessageTraceContext.MaxTraceStateLength));
        var envelope = new EventEnvelope(new string('e', EventEnvelope.MaxFieldLength), new string('k', EventEnvelope.MaxFieldLength), DateTimeOffset.UnixEpoch);
        var probe = EventMessageCodec.EncodeInline("tracktile", envelope, DateTimeOffset.UnixEpoch, "{\"p\":\"\"}"u8, trace: trace).Length;
        var payload = Encoding.UTF8.GetBytes($"{{\"p\":\"{new string('x', EventMessageCodec.MaxMessageBytes - EventMessageCodec.RetryFieldsReserve - probe)}\"}}");
        var first = EventMessageCodec.EncodeInline("tracktile", envelope, DateTimeOffset.UnixEpoch, payload, trace: trace);
        Assert.Equal(EventMessageCodec.MaxMessageBytes - EventMessageCodec.RetryFieldsReserve, first.Length); // the largest the publisher keeps inline

        var retry = EventMessageCodec.Reencode(Decode(first), int.MaxValue, Guid.NewGuid().ToString());

        Assert.InRange(retry.Length, first.Length + 1, EventMessageCodec.MaxMessageBytes);
        Assert.Equal(trace, Decode(retry).Trace);
    }

    [Fact]
    public void MaxTraceFieldsBytes_LongestTraceContext_CoversWhatItAdds()
    {
        var trace = new MessageTraceContext(TraceParent, new string('s', MessageTraceContext.MaxTraceStateLength));
        var without = EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, "{}"u8).Length;
        var with = EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, "{}"u8, trace: trace).Length;

        Assert.InRange(with - without, 1, EventMessageCodec.MaxTraceFieldsBytes);
    }

    [Fact]
    public void From_W3CActivity_IsItsTraceparentAndTracestate()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";

        var trace = MessageTraceContext.From(activity);

        Assert.Equal(activity.Id, trace!.TraceParent);
        Assert.Equal(MessageTraceContext.TraceParentLength, trace.TraceParent.Length);
        Assert.Equal("vendor=1", trace.TraceState);
        Assert.Equal(activity.TraceId, trace.ToActivityContext().TraceId);
        Assert.True(trace.ToActivityContext().IsRemote);
    }

    [Fact]
    public void From_TracestateOverTheLimit_LeavesItOut()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = new string('s', MessageTraceContext.MaxTraceStateLength + 1);

        Assert.Null(MessageTraceContext.From(activity)!.TraceState);
    }

    [Fact]
    public void From_NoActivity_IsNull() => Assert.Null(MessageTraceContext.From(null));
}
