using TracktileFunctions.Processing;

namespace TracktileFunctions.UnitTests.Processing;

public sealed class PoisonPreviewTests
{
    [Fact]
    public void OfMessage_EventRecord_ShowsThePayloadNotTheRecord()
    {
        var preview = PoisonPreview.OfMessage("""{"source":"tracktile","eventId":"evt_1","kind":"order.status.changed","receivedAt":"2026-01-01T00:00:00Z","payload":{"orderId":"ord_1"}}""");

        Assert.Equal("""{"orderId":"ord_1"}""", preview);
    }

    [Fact]
    public void OfMessage_ClaimCheck_NamesTheBlob()
        => Assert.Equal("(payload stored as blob tracktile/evt_1.json)", PoisonPreview.OfMessage("""{"eventId":"evt_1","payloadBlob":"tracktile/evt_1.json"}"""));

    [Fact]
    public void OfMessage_LongPayload_CutAtTheLimitWithAnEllipsis()
    {
        var preview = PoisonPreview.OfMessage("{\"payload\":\"" + new string('x', 5_000) + "\"}");

        Assert.Equal(PoisonPreview.MaxChars + 1, preview.Length);
        Assert.EndsWith("…", preview, StringComparison.Ordinal);
    }

    [Fact]
    public void OfMessage_NotJsonWithControlCharacters_ItsOwnStartWithControlsReplaced()
        => Assert.Equal("not json  at all", PoisonPreview.OfMessage("not json\r\nat all"));

    [Fact]
    public void OfPayload_Utf8_Decoded()
        => Assert.Equal("""{"sku":"ÉCLAIR"}""", PoisonPreview.OfPayload("""{"sku":"ÉCLAIR"}"""u8));
}
