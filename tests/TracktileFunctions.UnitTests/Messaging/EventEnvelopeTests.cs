using System.Text;
using TracktileFunctions.Messaging;

namespace TracktileFunctions.UnitTests.Messaging;

public sealed class EventEnvelopeTests
{
    private static string? Parse(string json, out EventEnvelope envelope)
        => EventEnvelope.TryParse(Encoding.UTF8.GetBytes(json), "id", "kind", "time", out envelope);

    [Fact]
    public void TryParse_DocumentedOrderEvent_ReadsIdKindAndTime()
    {
        var error = EventEnvelope.TryParse(Fixture.Event("order.status.changed"), "id", "kind", "time", out var envelope);

        Assert.Null(error);
        Assert.Equal("evt_abc123", envelope.Id);
        Assert.Equal("order.status.changed", envelope.Kind);
        Assert.Equal(new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero), envelope.Time);
    }

    [Fact]
    public void TryParse_NestedObjectsBeforeEnvelope_SkipsThem()
    {
        Assert.Null(Parse("""{"entity":{"id":"inner","kind":"x"},"list":[1,{"id":2}],"id":"evt_1","kind":"k"}""", out var envelope));
        Assert.Equal("evt_1", envelope.Id);
    }

    [Fact]
    public void TryParse_NoTime_LeavesTimeNull()
    {
        Assert.Null(Parse("""{"id":"evt_1","kind":"k"}""", out var envelope));
        Assert.Null(envelope.Time);
    }

    [Fact]
    public void TryParse_CustomPropertyNames_UsesThem()
    {
        var error = EventEnvelope.TryParse("""{"id":"e1","type":"customer.updated","time":"2024-01-01T00:00:00Z"}"""u8, "id", "type", "time", out var envelope);

        Assert.Null(error);
        Assert.Equal("customer.updated", envelope.Kind);
    }

    [Theory]
    [InlineData("not json", "body is not valid JSON")]
    [InlineData("[1,2]", "body is not a JSON object")]
    [InlineData("\"text\"", "body is not a JSON object")]
    [InlineData("{\"id\":\"e\",\"kind\":\"k\"", "body is not valid JSON")]
    [InlineData("{\"id\":\"e\",\"kind\":\"k\"} {}", "body is not valid JSON")]
    [InlineData("{\"kind\":\"k\"}", "missing or invalid 'id'")]
    [InlineData("{\"id\":42,\"kind\":\"k\"}", "missing or invalid 'id'")]
    [InlineData("{\"id\":\"e\"}", "missing or invalid 'kind'")]
    [InlineData("{\"id\":\"e\",\"kind\":\"\"}", "missing or invalid 'kind'")]
    [InlineData("{\"id\":\"e\",\"kind\":\"k\",\"time\":\"yesterday\"}", "invalid 'time'")]
    [InlineData("", "body is empty")]
    public void TryParse_InvalidBody_ReturnsReason(string json, string reason)
        => Assert.Equal(reason, Parse(json, out _));

    [Fact]
    public void TryParse_OverlongId_IsRefused()
        => Assert.Equal("missing or invalid 'id'", Parse($$"""{"id":"{{new string('x', 257)}}","kind":"k"}""", out _));
}
