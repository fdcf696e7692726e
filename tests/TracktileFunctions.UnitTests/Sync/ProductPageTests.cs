using System.Text;
using System.Text.Json;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.UnitTests.Sync;

public sealed class ProductPageTests
{
    private static readonly DateTimeOffset RunStart = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static WebhookEventReceived Event(string kind, string eventId, string payload)
        => new("tracktile-sync", eventId, kind, null, RunStart, JsonElement.Parse(payload));

    [Fact]
    public void Encode_TwoProducts_ReadBackWithTheirEventIdsAndBytes()
    {
        var payload = ProductPage.Encode(
            [("p1@2024-01-01T00:00:00.0000000Z", Encoding.UTF8.GetBytes("""{"id":"p1","name":"Flour"}""")), ("p2@x", Encoding.UTF8.GetBytes("""{"id":"p2"}"""))], full: true);

        var page = ProductPage.Read(Event(ProductPage.Kind, "page-1", Encoding.UTF8.GetString(payload)));

        Assert.Equal("page-1", page.Id);
        Assert.True(page.Full);
        Assert.Equal(["p1@2024-01-01T00:00:00.0000000Z", "p2@x"], page.Products.Select(p => p.EventId));
        Assert.Equal("""{"id":"p1","name":"Flour"}""", page.Products[0].Product.GetRawText());
    }

    [Fact]
    public void Read_SingleProductMessageFromBeforePages_PageOfOneUnderItsEventId()
    {
        var page = ProductPage.Read(Event(ProductPage.SingleProductKind, "p1@2024-01-01T00:00:00.0000000Z@full-638500000000000000", """{"id":"p1"}"""));

        var product = Assert.Single(page.Products);
        Assert.Equal(page.Id, product.EventId);
        Assert.True(page.Full);
        Assert.Equal("p1", product.Product.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("order.created", """{"products":[]}""")]
    [InlineData(ProductPage.Kind, """{"items":[]}""")]
    [InlineData(ProductPage.Kind, """{"products":[{"product":{"id":"p1"}}]}""")]
    [InlineData(ProductPage.Kind, """{"products":[{"eventId":"p1@v"}]}""")]
    public void Read_NotAPage_ThrowsPermanent(string kind, string payload)
        => Assert.Throws<PermanentProcessingException>(() => ProductPage.Read(Event(kind, "e1", payload)));

    [Fact]
    public void VersionId_WithModifiedAt_SameForEveryRunAndDistinctPerVersion()
    {
        var v1 = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var first = ProductPage.VersionId("p1", v1, "{}"u8, RunStart, full: false);
        var again = ProductPage.VersionId("p1", v1, "{\"x\":1}"u8, RunStart.AddHours(1), full: false);
        var newer = ProductPage.VersionId("p1", v1.AddSeconds(1), "{}"u8, RunStart, full: false);

        Assert.Equal("p1@2024-01-01T00:00:00.0000000Z", first);
        Assert.Equal(first, again);
        Assert.NotEqual(first, newer);
    }

    [Fact]
    public void VersionId_WithoutModifiedAtOrForcedResync_OnePerRun()
    {
        var run1 = ProductPage.VersionId("p1", null, "{}"u8, RunStart, full: false);
        var run2 = ProductPage.VersionId("p1", null, "{}"u8, RunStart.AddHours(1), full: false);
        var forced = ProductPage.VersionId("p1", RunStart, "{}"u8, RunStart, full: true);

        Assert.NotEqual(run1, run2);
        Assert.EndsWith($"@full-{RunStart.UtcTicks}", forced, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachAsync_OneProductFails_OthersWrittenAndFailureKeptInItsResult()
    {
        var writes = Enumerable.Range(0, 20).Select(i => new ProductWrite(new ErpProduct($"p{i}", null, null, null, null, null, null), $"k{i}")).ToList();
        var inFlight = 0;
        var peak = 0;

        var results = await ProductWriteResult.EachAsync(writes, 4, async (w, ct) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref peak, now);
            await Task.Delay(5, ct);
            Interlocked.Decrement(ref inFlight);
            return w.Product.ExternalId == "p7" ? throw new InvalidOperationException("refused") : "item-" + w.Product.ExternalId;
        }, CancellationToken.None);

        Assert.Equal(20, results.Count);
        Assert.Equal("item-p3", results[3].ItemKey);
        Assert.IsType<InvalidOperationException>(results[7].Error);
        Assert.Equal(19, results.Count(r => r.Error is null));
        Assert.InRange(peak, 1, 4);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
