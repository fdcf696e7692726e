using System.Text;
using Azure.Storage.Blobs;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

/// <summary>What every consumer inherits from the processor: delayed retries, bounded attempts, claim-check lifetime.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QueueEventProcessorTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Queue = QueueNames.TracktileOrders;
    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Processing:RetryBaseDelaySeconds", "1"),
        new("Processing:RetryMaxDelaySeconds", "4"),
        new("Processing:MaxAttempts", "6"),
        new("Processing:HandlerTimeoutSeconds", "2"),
        new("Erp:Resilience:MaxRetries", "1"),
        new("Tracktile:Api:Resilience:AttemptTimeoutSeconds", "10"),
    ];

    [Fact]
    public async Task ProcessAsync_ErpDownForAWhile_WaitsOutTheOutageWithGrowingDelays()
    {
        SeedOrder("ord_1");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 503, times: 6)); // three attempts of two calls each
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_1", "ord_1", "ready", T0));
        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, TimeSpan.FromSeconds(30), "the order is created once the ERP is back");
        await DrainedAsync(Queue);

        var attempts = State.CallsTo("POST", "/erp/sales-orders").Where((_, i) => i % 2 == 0).Select(c => c.Time).ToList();
        Assert.Equal(4, attempts.Count);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        Output.WriteLine("gaps between attempts (s): " + string.Join(", ", gaps.Select(g => g.ToString("F2", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.InRange(gaps[0], 0.9, 2.5);  // 1 s ± 20 % in whole seconds, plus polling
        Assert.True(gaps[1] > gaps[0] && gaps[2] > gaps[1], "each delay is longer than the one before");
        Assert.InRange(gaps[2], 2.9, 6.5);  // 4 s ± 20 % in whole seconds, plus polling
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Equal((3L, false), (failure.GetInt64("Attempt")!.Value, failure.GetBoolean("Poisoned")!.Value));
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
    }

    [Fact]
    public async Task ProcessAsync_ErpNeverComesBack_PoisonedAfterMaxAttemptsWithFreshAttemptsForReplay()
    {
        SeedOrder("ord_2");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 503, times: null));
        await using var app = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress,
            [.. Settings, new("Processing:RetryBaseDelaySeconds", "0"), new("Processing:RetryMaxDelaySeconds", "0"), new("Processing:MaxAttempts", "3")]);
        await using var host = await WebJobsQueueHost.StartAsync(
            IsolatedQueueFunction.Find(typeof(Functions.OrderEventsFunction).Assembly, "OrderEventsFunction"), app, Azurite.ConnectionString, Output, WebJobsQueueHost.FastRetries);

        await PostTracktileAsync(OrderEvent("evt_2", "ord_2", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "poisoned after its attempts");

        Assert.Equal(3 * 2, State.CallsTo("POST", "/erp/sales-orders").Count);
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.StartsWith("gave up after 3 attempts: ErpApiException", failure.GetString("Reason"), StringComparison.Ordinal);
        var poisoned = Assert.Single(await Azurite.PeekAllAsync(Queue + "-poison"));
        Assert.DoesNotContain("priorAttempts", poisoned, StringComparison.Ordinal); // a replay starts with every attempt again
    }

    [Fact]
    public async Task ProcessAsync_AttemptSlowerThanHandlerTimeout_StoppedRetriedAndAppliedOnce()
    {
        SeedOrder("ord_3");
        State.AddFault(FaultRule.Latency("GET", "/tracktile/orders/ord_3", TimeSpan.FromSeconds(4), times: 1));
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_3", "ord_3", "ready", T0));
        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, Timeout, "the retry creates the order");
        await DrainedAsync(Queue);

        Assert.Single(State.SalesOrders);
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Contains("Processing:HandlerTimeoutSeconds", failure.GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProcessAsync_ClaimCheckedEventDone_PayloadBlobDeleted()
    {
        SeedOrder("ord_4");
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(LargeOrderEvent("evt_4", "ord_4"));
        Assert.Equal(1, await PayloadBlobCountAsync());
        await DrainedAsync(Queue);

        Assert.Single(State.SalesOrders);
        Assert.Equal(0, await PayloadBlobCountAsync());
    }

    [Fact]
    public async Task ProcessAsync_ClaimCheckedEventPoisoned_PayloadBlobKeptAndReplayable()
    {
        await StartFunctionAsync("OrderEventsFunction"); // no such order in Tracktile: 404, a permanent failure

        await PostTracktileAsync(LargeOrderEvent("evt_5", "ord_5"));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");

        Assert.Equal(1, await PayloadBlobCountAsync());
        SeedOrder("ord_5");
        var replayer = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<PoisonReplayer>(App);
        Assert.Equal(200, (await replayer.ReplayAsync(Queue, null, null, CancellationToken.None)).StatusCode);
        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, Timeout, "the replayed event reads its payload and creates the order");
        await DrainedAsync(Queue);
        Assert.Equal(0, await PayloadBlobCountAsync());
    }

    private static string LargeOrderEvent(string id, string orderId)
        => OrderEvent(id, orderId, "ready", T0)[..^1] + $",\"notes\":\"{new string('n', 60_000)}\"}}";

    private async Task<int> PayloadBlobCountAsync()
    {
        var container = new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient("webhook-payloads");
        if (!await container.ExistsAsync())
        {
            return 0;
        }

        var count = 0;
        await foreach (var _ in container.GetBlobsAsync())
        {
            count++;
        }

        return count;
    }
}
