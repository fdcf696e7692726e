using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Messaging;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Webhooks;

/// <summary>Signed requests through the real function class, into real queues on Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TracktileWebhookFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] AllQueues = ["tracktile-orders", "tracktile-shipments", "tracktile-inventory", "tracktile-unrouted"];
    private ServiceProvider _app = null!;

    public async Task InitializeAsync()
    {
        await azurite.ResetAsync();
        _app = TestApp.Build(azurite.ConnectionString, output);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private TracktileWebhookFunction Function(ServiceProvider? app = null) => ActivatorUtilities.CreateInstance<TracktileWebhookFunction>(app ?? _app);

    private static byte[] Fixture(string kind) => File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "tests", "Fixtures", "events", kind + ".json"));

    private async Task<ContentResult> PostAsync(Microsoft.AspNetCore.Http.HttpRequest request, ServiceProvider? app = null)
        => Assert.IsType<ContentResult>(await Function(app).RunAsync(request, CancellationToken.None));

    private async Task AssertNothingQueuedAsync()
    {
        foreach (var queue in AllQueues)
        {
            Assert.False(await azurite.QueueExistsAsync(queue) && await azurite.MessageCountAsync(queue) > 0, $"{queue} holds a message");
        }
    }

    [Theory]
    [InlineData("order.status.changed", "tracktile-orders")]
    [InlineData("shipment.status.changed", "tracktile-shipments")]
    [InlineData("inventory.received", "tracktile-inventory")]
    [InlineData("inventory.produced", "tracktile-inventory")]
    [InlineData("shipment.created", "tracktile-unrouted")]
    public async Task RunAsync_SignedEvent_Answers200AndQueuesItByKind(string kind, string queue)
    {
        var body = Fixture(kind);

        var result = await PostAsync(WebhookRequest.Signed(body, TestApp.TracktileSecret));

        Assert.Equal(200, result.StatusCode);
        var message = Assert.Single(await azurite.PeekAllAsync(queue));
        var evt = await _app.GetRequiredService<EventMessageReader>().ReadAsync(message, CancellationToken.None);
        Assert.Equal(("tracktile", kind), (evt.Source, evt.Kind));
        Assert.Equal(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString(), evt.EventId);
        Assert.Equal(Encoding.UTF8.GetString(body).TrimEnd(), evt.Payload.GetRawText()); // the JSON value, byte for byte
        foreach (var other in AllQueues.Where(q => q != queue))
        {
            Assert.False(await azurite.QueueExistsAsync(other) && await azurite.MessageCountAsync(other) > 0, $"{other} holds a message");
        }
    }

    [Fact]
    public async Task RunAsync_KindRoutedToTwoQueues_QueuesItInBoth()
    {
        await using var app = TestApp.Build(azurite.ConnectionString, output, settings: new Dictionary<string, string?>
        {
            ["Tracktile:Webhook:Routes:0:Kind"] = "order.status.changed",
            ["Tracktile:Webhook:Routes:0:Queues:0"] = "tracktile-orders",
            ["Tracktile:Webhook:Routes:0:Queues:1"] = "accounting-orders",
        });

        var result = await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), TestApp.TracktileSecret), app);

        Assert.Equal(200, result.StatusCode);
        Assert.Single(await azurite.PeekAllAsync("tracktile-orders"));
        Assert.Single(await azurite.PeekAllAsync("accounting-orders"));
    }

    [Fact]
    public async Task RunAsync_RawMessage_IsBase64AsTheQueueTriggerExpects()
    {
        await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), TestApp.TracktileSecret));

        var raw = await new QueueClient(azurite.ConnectionString, "tracktile-orders").PeekMessageAsync();
        var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(raw.Value.Body.ToString()));
        Assert.Contains("\"eventId\":\"evt_abc123\"", decoded, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], (string, string)[], int> Rejections()
    {
        var body = File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "tests", "Fixtures", "events", "order.status.changed.json"));
        var now = DateTimeOffset.UtcNow;
        var valid = Signatures.Tracktile(body, TestApp.TracktileSecret, now);
        return new()
        {
            { "missing header", body, [], 401 },
            { "malformed header", body, [("X-Tracktile-Signature", "v1=deadbeef")], 401 },
            { "wrong secret", body, [("X-Tracktile-Signature", Signatures.Tracktile(body, "not-the-secret", now))], 401 },
            { "tampered body", [.. body, (byte)' '], [("X-Tracktile-Signature", valid)], 401 },
            // 305 s, not 301: the signed time is whole seconds and the wall clock moves on while the rows run.
            { "305 s old", body, [("X-Tracktile-Signature", Signatures.Tracktile(body, TestApp.TracktileSecret, now.AddSeconds(-305)))], 401 },
            { "305 s ahead", body, [("X-Tracktile-Signature", Signatures.Tracktile(body, TestApp.TracktileSecret, now.AddSeconds(305)))], 401 },
        };
    }

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task RunAsync_BadSignature_Answers401AndQueuesNothing(string why, byte[] body, (string, string)[] headers, int status)
    {
        var result = await PostAsync(WebhookRequest.Create(body, headers));

        Assert.True(status == result.StatusCode, why);
        Assert.DoesNotContain(TestApp.TracktileSecret, result.Content, StringComparison.Ordinal);
        await AssertNothingQueuedAsync();
    }

    [Theory]
    [InlineData("not json at all", "body is not valid JSON")]
    [InlineData("[1,2,3]", "body is not a JSON object")]
    [InlineData("{\"kind\":\"order.status.changed\"}", "missing or invalid 'id'")]
    [InlineData("{\"id\":\"evt_1\"}", "missing or invalid 'kind'")]
    public async Task RunAsync_SignedButMalformed_Answers400AndQueuesNothing(string body, string reason)
    {
        var result = await PostAsync(WebhookRequest.Signed(Encoding.UTF8.GetBytes(body), TestApp.TracktileSecret));

        Assert.Equal(400, result.StatusCode);
        Assert.Equal(reason, result.Content);
        await AssertNothingQueuedAsync();
    }

    [Fact]
    public async Task RunAsync_NestedDeeperThanConsumersRead_Answers400AndQueuesNothing()
    {
        var deep = new string('[', EventEnvelope.MaxDepth) + new string(']', EventEnvelope.MaxDepth);
        var body = Encoding.UTF8.GetBytes($$"""{"id":"evt_deep","kind":"order.status.changed","x":{{deep}}}""");

        var result = await PostAsync(WebhookRequest.Signed(body, TestApp.TracktileSecret));

        Assert.Equal((400, $"body is nested deeper than {EventEnvelope.MaxDepth} levels"), (result.StatusCode, result.Content));
        await AssertNothingQueuedAsync();
    }

    [Fact]
    public async Task RunAsync_NestedToTheLimit_AcceptedAndReadableByConsumers()
    {
        var deep = new string('[', EventEnvelope.MaxDepth - 2) + new string(']', EventEnvelope.MaxDepth - 2);
        var body = Encoding.UTF8.GetBytes($$"""{"id":"evt_deep","kind":"order.status.changed","x":{{deep}}}""");

        var result = await PostAsync(WebhookRequest.Signed(body, TestApp.TracktileSecret));

        Assert.Equal(200, result.StatusCode);
        var message = Assert.Single(await azurite.PeekAllAsync("tracktile-orders"));
        var evt = await _app.GetRequiredService<EventMessageReader>().ReadAsync(message, CancellationToken.None);
        Assert.Equal(Encoding.UTF8.GetString(body), evt.Payload.GetRawText());
    }

    [Fact]
    public async Task RunAsync_SourceWithoutSecrets_Answers404AndQueuesNothing()
    {
        await using var app = TestApp.Build(azurite.ConnectionString, output, settings: new Dictionary<string, string?>
        {
            ["Tracktile:Webhook:Secrets:0"] = null,
        });

        var result = await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), TestApp.TracktileSecret), app);

        Assert.Equal(404, result.StatusCode);
        await AssertNothingQueuedAsync();
    }

    [Fact]
    public async Task RunAsync_BodyOverCap_Answers413AndQueuesNothing()
    {
        var body = Encoding.UTF8.GetBytes($$"""{"id":"evt_big","kind":"order.status.changed","pad":"{{new string('x', 1024 * 1024)}}"}""");

        var result = await PostAsync(WebhookRequest.Signed(body, TestApp.TracktileSecret));

        Assert.Equal(413, result.StatusCode);
        await AssertNothingQueuedAsync();
    }

    [Theory]
    [InlineData(-600, false)]
    [InlineData(+600, true)]
    public async Task RunAsync_PayloadAroundQueueLimit_InlineBelowClaimCheckAbove(int delta, bool claimCheck)
    {
        // Size the padding so the queue message lands 600 bytes below or above the 48 KiB limit (before base64).
        var probe = EventEnvelopeBody(0);
        var overhead = EventMessageCodec.EncodeInline("tracktile", new EventEnvelope("evt_size", "order.status.changed", null), DateTimeOffset.UtcNow, probe).Length;
        var body = EventEnvelopeBody(EventMessageCodec.MaxMessageBytes - overhead + delta);

        var result = await PostAsync(WebhookRequest.Signed(body, TestApp.TracktileSecret));

        Assert.Equal(200, result.StatusCode);
        var message = Assert.Single(await azurite.PeekAllAsync("tracktile-orders"));
        Assert.Equal(claimCheck, message.Contains("\"payloadBlob\"", StringComparison.Ordinal));
        var evt = await _app.GetRequiredService<EventMessageReader>().ReadAsync(message, CancellationToken.None);
        Assert.Equal(Encoding.UTF8.GetString(body), evt.Payload.GetRawText());
    }

    private static byte[] EventEnvelopeBody(int padding)
        => Encoding.UTF8.GetBytes($$"""{"id":"evt_size","kind":"order.status.changed","pad":"{{new string('x', padding)}}"}""");

    [Fact]
    public async Task RunAsync_StorageDown_Answers503AndRecoversWhenItReturns()
    {
        var down = new AzuriteFixture();
        await down.InitializeAsync();
        await using var app = TestApp.Build(down.ConnectionString, output);
        await down.StopAsync();

        var result = await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), TestApp.TracktileSecret), app);

        Assert.Equal(503, result.StatusCode);
        Assert.DoesNotContain("Exception", result.Content, StringComparison.Ordinal);
        await down.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_RotatedSecrets_AcceptsBothDuringOverlap()
    {
        await using var app = TestApp.Build(azurite.ConnectionString, output, settings: new Dictionary<string, string?>
        {
            ["Tracktile:Webhook:Secrets:0"] = "old-secret",
            ["Tracktile:Webhook:Secrets:1"] = "new-secret",
        });

        Assert.Equal(200, (await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), "old-secret"), app)).StatusCode);
        Assert.Equal(200, (await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), "new-secret"), app)).StatusCode);
        Assert.Equal(401, (await PostAsync(WebhookRequest.Signed(Fixture("order.status.changed"), TestApp.TracktileSecret), app)).StatusCode);
        Assert.Equal(2, (await azurite.PeekAllAsync("tracktile-orders")).Count);
    }
}

/// <summary>Signature helpers shared by the webhook tests.</summary>
internal static class Signatures
{
    public static string Tracktile(byte[] body, string secret, DateTimeOffset at)
        => TracktileFunctions.Webhooks.WebhookSignatureVerifier.Sign(secret, at, body);
}
