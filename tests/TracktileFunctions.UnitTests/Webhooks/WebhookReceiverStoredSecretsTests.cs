using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.UnitTests.Webhooks;

/// <summary>The receiver with secrets the app stored itself (queueing runs on Azurite in the integration tests).</summary>
public sealed class WebhookReceiverStoredSecretsTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1","kind":"order.status.changed","time":"2026-12-01T10:00:00Z"}""");

    private static EventPublisher Unreachable => UnreachableStorage.Publisher;

    /// <summary>A store whose secrets change when the test says; counts its reads.</summary>
    private sealed class Source(params StoredWebhookSecret[] first) : IWebhookSecretSource
    {
        private StoredWebhookSecrets _current = new(first);

        public StoredWebhookSecrets? Next { get; set; }

        public int Refreshes { get; private set; }

        public ValueTask<StoredWebhookSecrets> GetAsync(bool refresh, CancellationToken cancellationToken)
        {
            if (refresh)
            {
                Refreshes++;
                if (Next is { } next)
                {
                    _current = next;
                    Next = null;
                }
            }

            return ValueTask.FromResult(_current);
        }
    }

    private static WebhookReceiver Receiver(IWebhookSecretSource source, params string[] configured)
        => new("tracktile", new WebhookSourceOptions { Secrets = [.. configured], Routes = [.. EventRouter.TracktileDefaults] }, Unreachable, TimeProvider.System,
            NullLogger<WebhookReceiver>.Instance, TestActivityLogs.Create(), source);

    private static Task<HttpReply> SendAsync(WebhookReceiver receiver, string secret)
        => receiver.ReceiveAsync(WebhookSignatureVerifier.Sign(secret, DateTimeOffset.UtcNow, Body), Body.Length, new MemoryStream(Body), CancellationToken.None);

    [Fact]
    public async Task ReceiveAsync_SignedWithAStoredSecret_PassesVerification()
    {
        var source = new Source(new StoredWebhookSecret("hook_1", "order.status.changed", "stored-secret"));

        var reply = await SendAsync(Receiver(source), "stored-secret");

        Assert.Equal(503, reply.StatusCode); // verified; only the unreachable queue stopped it
        Assert.Equal(0, source.Refreshes);
    }

    [Fact]
    public async Task ReceiveAsync_SecretStoredAMomentAgo_FoundByReadingTheStoreAgain()
    {
        var source = new Source(new StoredWebhookSecret("hook_1", "order.status.changed", "old-secret"))
        {
            Next = new([new StoredWebhookSecret("hook_1", "order.status.changed", "rotated-secret")]),
        };

        var reply = await SendAsync(Receiver(source, "configured-secret"), "rotated-secret");

        Assert.Equal(503, reply.StatusCode);
        Assert.Equal(1, source.Refreshes);
    }

    [Fact]
    public async Task ReceiveAsync_SecretNobodyStored_401AfterOneMoreReadOfTheStore()
    {
        var source = new Source(new StoredWebhookSecret("hook_1", "order.status.changed", "stored-secret"));

        var reply = await SendAsync(Receiver(source, "configured-secret"), "forged-secret");

        Assert.Equal(401, reply.StatusCode);
        Assert.Equal(1, source.Refreshes);
    }

    [Fact]
    public async Task ReceiveAsync_SecretNobodyStoredWhileASetupRuns_401AfterTwoMoreReads()
    {
        var source = new Source() { Next = new StoredWebhookSecrets([new StoredWebhookSecret("hook_1", "order.status.changed", "stored-secret")]) { SetupRunning = true } };

        var reply = await SendAsync(Receiver(source, "configured-secret"), "forged-secret");

        Assert.Equal(401, reply.StatusCode);
        Assert.Equal(2, source.Refreshes);
    }

    [Fact]
    public async Task ReceiveAsync_NothingConfiguredNorStored_404()
        => Assert.Equal(404, (await SendAsync(Receiver(new Source()), "any-secret")).StatusCode);

    [Fact]
    public void Kinds_RoutesWithAWildcard_OneKindPerRouteAndTheWildcardsKnownKinds()
    {
        var routes = new WebhookSourceOptions
        {
            Routes = [.. EventRouter.TracktileDefaults, new EventRoute { Kind = "customer.updated", Queues = ["quickbooks-customers"] }],
        };
        var setup = new TracktileWebhookSetup(null!, null!, null!, Options.Create(new TracktileHooksOptions { WildcardKinds = ["inventory.received", "inventory.produced", "order.other"] }),
            new Monitor(routes), NullLogger<TracktileWebhookSetup>.Instance);

        Assert.Equal(
            ["customer.updated", "inventory.produced", "inventory.received", "order.status.changed", "shipment.items.assigned", "shipment.status.changed"],
            setup.Kinds());
    }

    [Fact]
    public void Kinds_Configured_TheConfiguredOnesOnly()
    {
        var setup = new TracktileWebhookSetup(null!, null!, null!, Options.Create(new TracktileHooksOptions { Kinds = ["order.status.changed", "order.status.changed", " "] }),
            new Monitor(new WebhookSourceOptions()), NullLogger<TracktileWebhookSetup>.Instance);

        Assert.Equal(["order.status.changed"], setup.Kinds());
    }

    private sealed class Monitor(WebhookSourceOptions value) : IOptionsMonitor<WebhookSourceOptions>
    {
        public WebhookSourceOptions CurrentValue => value;

        public WebhookSourceOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<WebhookSourceOptions, string?> listener) => null;
    }
}
