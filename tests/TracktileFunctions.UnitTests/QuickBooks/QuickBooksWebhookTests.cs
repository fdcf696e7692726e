using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.UnitTests.QuickBooks;

/// <summary>Intuit's payloads and the refusals (queueing itself runs on Azurite in the integration tests).</summary>
public sealed class QuickBooksWebhookTests
{
    private const string Token = "verifier-token-1";

    private const string CloudEvents = """
        [{"specversion":"1.0","id":"88cd52aa-33b6-4351-9aa4-47572edbd068","source":"intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
          "type":"qbo.customer.updated.v1","datacontenttype":"application/json","time":"2025-09-10T21:31:25.179851517Z",
          "intuitentityid":"58","intuitaccountid":"310687","data":{}},
         {"specversion":"1.0","id":"0d7e1a38-1111-4b53-8c1f-6a4b7d2c9e10","source":"intuit.abc","type":"qbo.invoice.voided.v1",
          "time":"2025-09-10T21:31:26Z","intuitentityid":"146","intuitaccountid":"999"}]
        """;

    private const string Legacy = """
        {"eventNotifications":[{"realmId":"310687","dataChangeEvent":{"entities":[
          {"id":"58","operation":"Update","name":"Customer","lastUpdated":"2025-09-08T20:52:31.657Z"},
          {"id":"146","operation":"Void","name":"Invoice","lastUpdated":"2025-09-08T20:53:00Z"}]}}]}
        """;

    private static EventPublisher Unreachable => UnreachableStorage.Publisher;

    private static QuickBooksWebhook Webhook(params string[] tokens)
        => new(Unreachable, Options.Create(new QuickBooksOptions { ClientId = "client", WebhookVerifierTokens = [.. tokens] }), TimeProvider.System,
            NullLogger<QuickBooksWebhook>.Instance, TestActivityLogs.Create());

    [Fact]
    public void Read_CloudEventsArray_OneChangePerEventWithItsIdRealmAndEntity()
    {
        var changes = QuickBooksWebhook.Read(Encoding.UTF8.GetBytes(CloudEvents));

        Assert.Equal(
            [("88cd52aa-33b6-4351-9aa4-47572edbd068", "qbo.customer.updated.v1", "310687", "customer", "58", "updated"), ("0d7e1a38-1111-4b53-8c1f-6a4b7d2c9e10", "qbo.invoice.voided.v1", "999", "invoice", "146", "voided")],
            changes.Select(c => (c.Id, c.Kind, c.RealmId, c.Entity, c.EntityId, c.Operation)));
        Assert.Equal(new DateTimeOffset(2025, 9, 10, 21, 31, 26, TimeSpan.Zero), changes[1].Time);
    }

    [Fact]
    public void Read_LegacyPayload_OneChangePerEntityWithAStableId()
    {
        var first = QuickBooksWebhook.Read(Encoding.UTF8.GetBytes(Legacy));
        var again = QuickBooksWebhook.Read(Encoding.UTF8.GetBytes(Legacy));

        Assert.Equal([("qbo.customer.updated.v1", "58"), ("qbo.invoice.voided.v1", "146")], first.Select(c => (c.Kind, c.EntityId)));
        Assert.Equal(first.Select(c => c.Id), again.Select(c => c.Id));
        Assert.NotEqual(first[0].Id, first[1].Id);
        Assert.All(first, c => Assert.StartsWith("legacy:", c.Id, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"specversion":"1.0","id":"bad","source":"intuit.x","type":"qbo.customer.updated.v1","intuitaccountid":"1"}""")]
    [InlineData("""{"specversion":"1.0","id":"bad","source":"intuit.x","type":"com.example.other","intuitentityid":"1","intuitaccountid":"1"}""")]
    [InlineData("""{"specversion":"1.0","id":"bad","source":"intuit.x","type":"qbo.customer.updated.v1","intuitentityid":{"nested":1},"intuitaccountid":"1"}""")]
    public void Read_OneEventNotIntuitsShape_SetAsideAndTheOthersRead(string odd)
    {
        var changes = QuickBooksWebhook.Read(Encoding.UTF8.GetBytes("[" + odd + "," + CloudEvents.Trim()[1..]));

        Assert.Equal(3, changes.Count);
        Assert.NotNull(changes[0].Unreadable);
        Assert.Equal("bad", changes[0].Id);
        Assert.All(changes.Skip(1), c => Assert.Null(c.Unreadable));
    }

    [Fact]
    public void Read_NeitherArrayNorEventNotifications_Throws()
        => Assert.ThrowsAny<System.Text.Json.JsonException>(() => QuickBooksWebhook.Read(Encoding.UTF8.GetBytes("""{"something":"else"}""")));

    [Fact]
    public async Task ReceiveAsync_WrongSignature_401BeforeAnythingIsQueued()
    {
        var body = Encoding.UTF8.GetBytes(CloudEvents);

        var reply = await Webhook(Token).ReceiveAsync(Base64HmacSignature.Sign("another-token", body), body.Length, new MemoryStream(body), CancellationToken.None);

        Assert.Equal(401, reply.StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SignedButNotIntuitsPayload_400()
    {
        var body = Encoding.UTF8.GetBytes("""{"hello":"world"}""");

        var reply = await Webhook("old-token", Token).ReceiveAsync(Base64HmacSignature.Sign(Token, body), body.Length, new MemoryStream(body), CancellationToken.None);

        Assert.Equal(400, reply.StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_NoVerifierToken_404()
    {
        var body = Encoding.UTF8.GetBytes(CloudEvents);

        var reply = await Webhook().ReceiveAsync(Base64HmacSignature.Sign(Token, body), body.Length, new MemoryStream(body), CancellationToken.None);

        Assert.Equal(404, reply.StatusCode);
    }

    [Fact]
    public async Task ReceiveAsync_SignedWithTheSecondTokenButStorageDown_503SoIntuitRetries()
    {
        var body = Encoding.UTF8.GetBytes(CloudEvents);

        var reply = await Webhook("old-token", Token).ReceiveAsync(Base64HmacSignature.Sign(Token, body), body.Length, new MemoryStream(body), CancellationToken.None);

        Assert.Equal(503, reply.StatusCode);
    }

    [Theory]
    [InlineData("Customer", "Create", "qbo.customer.created.v1")]
    [InlineData("Invoice", "Void", "qbo.invoice.voided.v1")]
    [InlineData("Invoice", "Emailed", "qbo.invoice.emailed.v1")]
    public void Kind_LegacyOperation_CloudEventsType(string entity, string operation, string expected)
        => Assert.Equal(expected, QuickBooksWebhook.Kind(entity, operation));
}
