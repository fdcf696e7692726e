using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Sync;
using Xunit.Abstractions;
using SandboxPagination = TracktileFunctions.Sandbox.Tracktile.ProductPagination;

namespace TracktileFunctions.IntegrationTests.Reliability;

/// <summary>
/// The product batch and <c>ProductUpsertFunction</c> in a worker process that is killed (SIGKILL) halfway through the
/// first run, as a crash or a recycled instance would end it, then a new worker and the next run: every product reaches
/// the ERP at its version, none is skipped, nothing is poisoned. Azurite is a dedicated one whose clock the test moves
/// past the queue trigger's 10-minute hold, so the pages the dead worker had dequeued come back, as on Azure.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProductBatchKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Products = 3000;
    private const string Queue = QueueNames.TracktileProducts;
    private const int OverlapSeconds = 300; // ProductSyncOptions.OverlapSeconds' default

    /// <summary>The queue trigger's hold on a dequeued message: only after it does a dead worker's message show again.</summary>
    private static readonly TimeSpan MessageHold = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan FirstProductsTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset Base = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Tracktile answers 10 products a page, each page after 20 ms (300 reads one after the other), so the batch runs
    /// longer than the ERP needs to take its first tenth; the pages it hands off hold 10 products each.
    /// </summary>
    private static readonly KeyValuePair<string, string?>[] Settings =
    [
        new("Tracktile:Api:Products:Pagination", "CursorEnvelope"),
        new("Tracktile:Api:Products:PageSize", "10"),
        new("ProductSync:PageSize", "10"),
    ];

    private AzuriteFixture _azurite = null!;
    private SandboxServer _sandbox = null!;

    private SandboxState State => _sandbox.State;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteFixture.StartDedicatedAsync(new AzuriteOptions { AdjustableClock = true });
        _sandbox = await SandboxServer.StartAsync();
        State.ProductPagination = SandboxPagination.CursorEnvelope;
        State.SeedProducts(Enumerable.Range(0, Products).Select(i => new TracktileProduct(
            Id(i), "SKU-" + i.ToString(CultureInfo.InvariantCulture), "Product " + i.ToString(CultureInfo.InvariantCulture), "kg", true, Version(i))));
        State.Latency = TimeSpan.FromMilliseconds(20);
    }

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    [Fact]
    public async Task ProductBatch_WorkerKilledMidRunThenRestarted_EveryProductInErpAtItsVersion()
    {
        var clock = Stopwatch.StartNew();
        await using var app = TestApp.Build(_azurite.ConnectionString, null, _sandbox.TracktileBaseAddress, _sandbox.ErpBaseAddress, Settings);
        var sync = app.GetRequiredService<ProductSyncService>();

        // The first run: killed once the ERP holds a tenth of the products.
        int atKill;
        await using (var first = await AppWorkerProcess.StartAsync(Options(), output))
        {
            first.SendGo();
            await first.WaitForAsync(AppWorkerEvents.Started, TimeSpan.FromSeconds(10));
            await Eventually.UntilAsync(() => State.ErpProducts.Count >= Products / 10, FirstProductsTimeout, "the ERP holds a tenth of the products");
            first.Kill();
            atKill = State.ErpProducts.Count;

            var notReturned = await Assert.ThrowsAsync<InvalidOperationException>(
                () => first.WaitForAsync(AppWorkerEvents.BatchReturned, TimeSpan.FromSeconds(5)));
            Assert.Contains("exited", notReturned.Message, StringComparison.Ordinal); // the batch was still running
        }

        output.WriteLine($"killed after {clock.Elapsed.TotalSeconds:0.0} s: the ERP held {atKill}/{Products}");
        Assert.InRange(atKill, Products / 10, Products * 6 / 10);
        Assert.Null(await sync.GetWatermarkAsync(CancellationToken.None)); // a killed run never moves it

        // As Azure would after 10 minutes: the pages the dead worker held are visible again.
        await _azurite.AdvanceClockAsync(MessageHold);

        // The next run, in a new worker.
        await using var second = await AppWorkerProcess.StartAsync(Options(), output);
        var result = await second.RunBatchAsync();
        var afterRestart = State.ErpProducts.Count;
        output.WriteLine($"the second run returned after {clock.Elapsed.TotalSeconds:0.0} s: {result.ToJsonString()}");

        Assert.True(result["succeeded"]!.GetValue<bool>(), result.ToJsonString());
        // Its watermark was where the killed run left it (none), so it reads every product again.
        Assert.Equal((Products, Products, 0L), (Long(result, "seen"), Long(result, "handedOff"), Long(result, "failed")));
        var expectedWatermark = result["startedAt"]!.GetValue<DateTimeOffset>().AddSeconds(-OverlapSeconds);
        Assert.Equal(expectedWatermark, await sync.GetWatermarkAsync(CancellationToken.None));
        Assert.Equal(expectedWatermark, result["watermark"]!.GetValue<DateTimeOffset>());

        try
        {
            await Eventually.UntilAsync(() => Missing().Count == 0, SettleTimeout, "the ERP holds every product at its version");
        }
        catch (TimeoutException)
        {
            var missing = Missing();
            output.WriteLine($"{missing.Count} products missing or at another version in the ERP, e.g. {string.Join(", ", missing.Take(10))}; " +
                $"{Queue}: {await _azurite.MessageCountAsync(Queue)} queued, {await _azurite.MessageCountAsync(FailureLog.PoisonQueueName(Queue))} poisoned");
            throw;
        }

        await Eventually.UntilAsync(async () => await _azurite.MessageCountAsync(Queue) == 0, SettleTimeout, $"{Queue} is empty");
        var elapsed = clock.Elapsed;

        var puts = State.CallsTo("PUT", "/erp/products").Count;
        output.WriteLine(
            $"products {Products}, at kill {atKill}, after the restart's batch returned {afterRestart}, at the end {State.ErpProducts.Count}; " +
            $"ERP writes per product {(double)puts / Products:0.000} ({puts} PUTs); {elapsed.TotalSeconds:0.0} s");
        Assert.Empty(Missing());
        Assert.Equal(Products, State.ErpProducts.Count);
        Assert.Equal(0, await _azurite.MessageCountAsync(FailureLog.PoisonQueueName(Queue)));
        // What the ERP already had (and sync state says so) is not written again: only the pages in flight at the kill are.
        Assert.True(puts < Products + atKill, $"{puts} PUTs for {Products} products, {atKill} of them in the ERP before the restart");
        var runs = await sync.RecentRunsAsync(10, CancellationToken.None);
        Assert.Equal([("succeeded", (long?)Products)], runs.Select(r => (r.Status, r.Seen))); // the killed run left no record
        Assert.Equal(0, await second.StopAsync());
    }

    private static string Id(int i) => "prod_" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static DateTimeOffset Version(int i) => Base.AddSeconds(i);

    private static long Long(JsonObject result, string name) => result[name]!.GetValue<long>();

    private AppWorkerOptions Options() => new(_azurite.ConnectionString, _sandbox.TracktileBaseAddress, _sandbox.ErpBaseAddress)
    {
        Functions = ["ProductUpsertFunction"],
        Settings = Settings,
        LogLevel = "Warning", // a line per page would drown the test's output
    };

    /// <summary>The products the ERP lacks or holds at another version than Tracktile's.</summary>
    private List<string> Missing()
    {
        var held = State.ErpProducts;
        return
        [
            .. Enumerable.Range(0, Products).Where(i => !held.TryGetValue(Id(i), out var product)
                || product.Body.GetProperty("modifiedAt").GetDateTimeOffset() != Version(i)).Select(Id),
        ];
    }
}
