using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using TracktileFunctions.Messaging;
using TracktileFunctions.Shopify;
using static TracktileFunctions.UnitTests.Shopify.ShopifyTestSettings;

namespace TracktileFunctions.UnitTests.Shopify;

/// <summary>The refusals, which happen before anything is queued (queueing itself is covered by the integration tests on Azurite).</summary>
public sealed class ShopifyWebhookTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":820982911946154508,"name":"#1001","line_items":[]}""");

    // Never contacted by the refusals below: a call would fail the test with a connection error.
    private static EventPublisher Unreachable => UnreachableStorage.Publisher;

    private static ShopifyWebhook Webhook(ShopifyOptions? options = null)
        => new(Unreachable, Microsoft.Extensions.Options.Options.Create(options ?? Options()), TimeProvider.System, NullLogger<ShopifyWebhook>.Instance,
            TestActivityLogs.Create());

    private static ShopifyWebhookHeaders Headers(string? hmac, string? shop = Shop, string? topic = "orders/create")
        => new(hmac, shop, topic, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "2026-12-02T01:00:00.000Z", Body.Length);

    [Fact]
    public void Sign_KnownVector_MatchesHmacSha256Base64()
        // echo -n 'hello' | openssl dgst -sha256 -hmac 'secret' -binary | base64
        => Assert.Equal("iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs=", ShopifyWebhook.Sign("secret", "hello"u8));

    [Fact]
    public async Task ReceiveAsync_BadSignature_401AndNothingQueued()
    {
        var reply = await Webhook().ReceiveAsync(Headers(ShopifyWebhook.Sign("another-secret", Body)), new MemoryStream(Body), CancellationToken.None);

        Assert.Equal(401, reply.StatusCode);
        Assert.Equal("invalid signature", reply.Body);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("aGVsbG8=")]
    public async Task ReceiveAsync_MissingOrMalformedHeader_401(string? header)
        => Assert.Equal(401, (await Webhook().ReceiveAsync(Headers(header), new MemoryStream(Body), CancellationToken.None)).StatusCode);

    [Fact]
    public async Task ReceiveAsync_TamperedBody_401()
    {
        var signature = ShopifyWebhook.Sign(Secret, Body);
        var tampered = Body.ToArray();
        tampered[^3] = (byte)'1';

        Assert.Equal(401, (await Webhook().ReceiveAsync(Headers(signature), new MemoryStream(tampered), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SignedButUnknownShop_401UnknownShop()
    {
        var reply = await Webhook().ReceiveAsync(Headers(ShopifyWebhook.Sign(Secret, Body), shop: "someone-else.myshopify.com"), new MemoryStream(Body), CancellationToken.None);

        Assert.Equal(401, reply.StatusCode);
        Assert.Equal("unknown shop", reply.Body);
    }

    [Fact]
    public async Task ReceiveAsync_SignedWithTheOldSecretDuringRotation_AcceptedPastTheSignature()
    {
        var options = Options(o => o.ClientSecrets = ["shpss_new", Secret]);

        // Past the signature and shop checks it reaches the topic check: an unknown topic is acknowledged without queueing.
        var reply = await Webhook(options).ReceiveAsync(Headers(ShopifyWebhook.Sign(Secret, Body), topic: "products/update"), new MemoryStream(Body), CancellationToken.None);

        Assert.Equal(200, reply.StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_ShopifyOff_404()
    {
        var off = Options(o => o.Shops = []);

        Assert.Equal(404, (await Webhook(off).ReceiveAsync(Headers(ShopifyWebhook.Sign(Secret, Body)), new MemoryStream(Body), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SignedButNoWebhookId_400()
    {
        var headers = Headers(ShopifyWebhook.Sign(Secret, Body)) with { WebhookId = null };

        Assert.Equal(400, (await Webhook().ReceiveAsync(headers, new MemoryStream(Body), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SignedArray_400NotAnOrder()
    {
        var array = "[1,2]"u8.ToArray();

        var reply = await Webhook().ReceiveAsync(Headers(ShopifyWebhook.Sign(Secret, array)) with { ContentLength = array.Length }, new MemoryStream(array), CancellationToken.None);

        Assert.Equal(400, reply.StatusCode);
    }

    [Fact]
    public void Wrap_Order_KeptVerbatimUnderOrderWithTheShop()
    {
        using var wrapped = JsonDocument.Parse(ShopifyWebhook.Wrap(Shop, Body));

        Assert.Equal(Shop, wrapped.RootElement.GetProperty("shop").GetString());
        Assert.Equal(820982911946154508, wrapped.RootElement.GetProperty("order").GetProperty("id").GetInt64());
    }
}
