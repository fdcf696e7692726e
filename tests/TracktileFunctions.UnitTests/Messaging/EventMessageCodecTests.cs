using System.Text;
using System.Text.Json;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.UnitTests.Messaging;

public sealed class EventMessageCodecTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2024, 1, 15, 10, 30, 5, TimeSpan.Zero);
    private static readonly EventEnvelope Envelope = new("evt_abc123", "order.status.changed", new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero));

    [Fact]
    public void Decode_InlineMessage_RoundTripsFieldsAndRawPayload()
    {
        var payload = Fixture.Event("order.status.changed");

        var message = EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, payload);
        var decoded = EventMessageCodec.Decode(Encoding.UTF8.GetString(message.Span));

        Assert.Equal(("tracktile", "evt_abc123", "order.status.changed"), (decoded.Source, decoded.EventId, decoded.Kind));
        Assert.Equal(Envelope.Time, decoded.EventTime);
        Assert.Equal(ReceivedAt, decoded.ReceivedAt);
        Assert.Equal(Encoding.UTF8.GetString(payload), decoded.Payload!.Value.GetRawText());
        Assert.Null(decoded.PayloadBlob);
    }

    [Fact]
    public void Decode_ClaimCheckMessage_CarriesBlobNameAndNoPayload()
    {
        var message = EventMessageCodec.EncodeClaimCheck("tracktile", Envelope with { Time = null }, ReceivedAt, "tracktile/abc.json");
        var decoded = EventMessageCodec.Decode(Encoding.UTF8.GetString(message.Span));

        Assert.Equal("tracktile/abc.json", decoded.PayloadBlob);
        Assert.Null(decoded.Payload);
        Assert.Null(decoded.EventTime);
    }

    [Fact]
    public void EncodeInline_IdNeedingEscapes_StaysValidJson()
    {
        var message = EventMessageCodec.EncodeInline("tracktile", Envelope with { Id = "evt_\"quoted\"\n" }, ReceivedAt, "{}"u8);

        Assert.Equal("evt_\"quoted\"\n", EventMessageCodec.Decode(Encoding.UTF8.GetString(message.Span)).EventId);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"source\":\"t\",\"eventId\":\"e\",\"kind\":\"k\",\"receivedAt\":\"2024-01-01T00:00:00Z\"}")]
    [InlineData("{\"source\":\"t\",\"eventId\":\"e\",\"kind\":\"k\",\"receivedAt\":\"soon\",\"payload\":{}}")]
    public void Decode_NotAnEventRecord_ThrowsInvalidEventMessage(string text)
        => Assert.Throws<InvalidEventMessageException>(() => EventMessageCodec.Decode(text));

    [Fact]
    public void MaxMessageBytes_AfterBase64_FitsQueueLimit()
    {
        var base64Length = Convert.ToBase64String(new byte[EventMessageCodec.MaxMessageBytes]).Length;

        Assert.Equal(64 * 1024, base64Length);
        Assert.True(Convert.ToBase64String(new byte[EventMessageCodec.MaxMessageBytes + 1]).Length > 64 * 1024);
    }

    [Fact]
    public void EncodeInline_Output_IsJsonParsable()
    {
        var message = EventMessageCodec.EncodeInline("tracktile", Envelope, ReceivedAt, Fixture.Event("inventory.received"));

        using var document = JsonDocument.Parse(message);
        Assert.Equal("BATCH-001", document.RootElement.GetProperty("payload").GetProperty("entity").GetProperty("name").GetString());
    }

    [Fact]
    public void Reencode_LargestInlineMessageAsALateRetry_StillFitsAQueueMessage()
    {
        var envelope = new TracktileFunctions.Messaging.EventEnvelope(new string('e', TracktileFunctions.Messaging.EventEnvelope.MaxFieldLength), "order.status.changed", DateTimeOffset.UnixEpoch);
        var probe = EventMessageCodec.EncodeInline("tracktile", envelope, DateTimeOffset.UnixEpoch, "{\"p\":\"\"}"u8).Length;
        var padding = EventMessageCodec.MaxMessageBytes - EventMessageCodec.RetryFieldsReserve - probe;
        var payload = System.Text.Encoding.UTF8.GetBytes("{\"p\":\"" + new string('x', padding) + "\"}");
        var first = EventMessageCodec.EncodeInline("tracktile", envelope, DateTimeOffset.UnixEpoch, payload);
        Assert.Equal(EventMessageCodec.MaxMessageBytes - EventMessageCodec.RetryFieldsReserve, first.Length); // the largest the publisher keeps inline

        var retry = EventMessageCodec.Reencode(EventMessageCodec.Decode(System.Text.Encoding.UTF8.GetString(first.Span)), int.MaxValue, Guid.NewGuid().ToString());

        Assert.InRange(retry.Length, first.Length + 1, EventMessageCodec.MaxMessageBytes);
    }
}
