using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Secrets;
using TracktileFunctions.ShipHero;

namespace TracktileFunctions.UnitTests.ShipHero;

/// <summary>The refusals and the secret rules (queueing itself runs on Azurite in the integration tests).</summary>
public sealed class ShipHeroWebhookTests
{
    private const string Secret = "shared-signature-secret";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"webhook_type":"Shipment Update","fulfillment":{"shipment_id":1}}""");

    private static EventPublisher Unreachable => UnreachableStorage.Publisher;

    private sealed class MemoryStore : ISecretStore
    {
        public Dictionary<string, string> Values { get; } = [];

        public int Reads { get; private set; }

        public Task<string?> GetAsync(string name, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult(Values.TryGetValue(name, out var v) ? v : null);
        }

        public Task SetAsync(string name, string value, CancellationToken cancellationToken)
        {
            Values[name] = value;
            return Task.CompletedTask;
        }
    }

    private static ShipHeroOptions Options(params string[] secrets)
    {
        var o = new ShipHeroOptions { Username = "api@x.test", Password = "p", WebhookSecrets = [.. secrets] };
        o.Normalize();
        return o;
    }

    private static (ShipHeroWebhook Webhook, ShipHeroWebhookSecrets Secrets) Webhook(ShipHeroOptions options, ISecretStore store)
    {
        var secrets = new ShipHeroWebhookSecrets(store, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        return (new ShipHeroWebhook(Unreachable, secrets, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, NullLogger<ShipHeroWebhook>.Instance,
            TestActivityLogs.Create()), secrets);
    }

    [Fact]
    public void Sign_KnownVector_MatchesHmacSha256Base64()
        => Assert.Equal("iKqz7ejTrflNJquQ07r9SiCDBww7zOnAFO4EpEOEfAs=", ShipHeroWebhook.Sign("secret", "hello"u8));

    [Fact]
    public void Acknowledged_ExactlyTheBodyShipHeroRequires_AsJson()
        => Assert.Equal((200, """{"code":"200","Status":"Success"}""", "application/json"),
            (ShipHeroWebhook.Acknowledged.StatusCode, ShipHeroWebhook.Acknowledged.Body, ShipHeroWebhook.Acknowledged.ContentType));

    [Theory]
    [InlineData(null)]
    [InlineData("not base64!")]
    [InlineData("aGVsbG8=")]
    public async Task ReceiveAsync_MissingMalformedOrWrongSignature_401(string? signature)
    {
        var (webhook, _) = Webhook(Options(Secret), new MemoryStore());

        Assert.Equal(401, (await webhook.ReceiveAsync(signature, "m1", Body.Length, new MemoryStream(Body), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SecretStoredAMomentAgo_AcceptedPastTheSignature()
    {
        var store = new MemoryStore();
        var (webhook, secrets) = Webhook(Options(), store);
        Assert.Equal(401, (await webhook.ReceiveAsync(ShipHeroWebhook.Sign(Secret, Body), "m1", Body.Length, new MemoryStream(Body), CancellationToken.None)).StatusCode);

        await secrets.StoreAsync("Shipment Update", Secret, CancellationToken.None);
        var body = Encoding.UTF8.GetBytes("""{"webhook_type":"Order Canceled"}""");
        var reply = await webhook.ReceiveAsync(ShipHeroWebhook.Sign(Secret, body), "m2", body.Length, new MemoryStream(body), CancellationToken.None);

        Assert.Equal(ShipHeroWebhook.Acknowledged, reply); // a type the app does not handle: acknowledged, not queued
    }

    [Fact]
    public async Task VerifyAsync_ManyBadSignatures_StoreReadAtMostEveryFewSeconds()
    {
        var store = new MemoryStore();
        var (_, secrets) = Webhook(Options(), store);

        for (var i = 0; i < 50; i++)
        {
            Assert.False(await secrets.VerifyAsync(ShipHeroWebhook.Sign("wrong", Body), Body, CancellationToken.None));
        }

        Assert.True(store.Reads <= 2 * 2, $"{store.Reads} reads of the store for 50 refusals"); // two webhook types, read once (and once refreshed)
    }

    [Fact]
    public async Task ReceiveAsync_ShipHeroOff_404()
    {
        var (webhook, _) = Webhook(new ShipHeroOptions(), new MemoryStore());

        Assert.Equal(404, (await webhook.ReceiveAsync(ShipHeroWebhook.Sign(Secret, Body), "m1", Body.Length, new MemoryStream(Body), CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SignedWithoutWebhookType_400()
    {
        var body = "{}"u8.ToArray();
        var (webhook, _) = Webhook(Options(Secret), new MemoryStore());

        Assert.Equal(400, (await webhook.ReceiveAsync(ShipHeroWebhook.Sign(Secret, body), null, body.Length, new MemoryStream(body), CancellationToken.None)).StatusCode);
    }

    [Theory]
    [InlineData("""{"code":30,"time_remaining":"7 seconds"}""", 7)]
    [InlineData("""{"code":30,"message":"There are not enough credits ... Try again in 2.5 seconds"}""", 2.5)]
    [InlineData("""{"code":30}""", 1)]
    public void WaitOf_ThrottlingError_TheTimeItGives(string error, double seconds)
    {
        using var document = JsonDocument.Parse(error);

        Assert.Equal(TimeSpan.FromSeconds(seconds), ShipHeroClient.WaitOf(document.RootElement));
    }

    [Fact]
    public void SecretName_WebhookType_KeyVaultSafe()
        => Assert.Equal("shiphero-webhook-shipment-update", ShipHeroWebhookSecrets.SecretName("Shipment Update"));

    [Fact]
    public void Validate_UserWithoutPassword_NamesTheSettings()
    {
        var options = new ShipHeroOptions { Username = "api@x.test" };
        options.Normalize();

        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        Assert.Contains(problems, p => p!.Contains("ShipHero:Password", StringComparison.Ordinal) && p.Contains("ShipHero:RefreshToken", StringComparison.Ordinal));
    }
}
