using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Sync;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Sync;

/// <summary>
/// A page per message, under the real queue extension: the products of a page are written together, and one that
/// fails is retried or poisoned on its own, under its own event id, without holding back the rest.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProductPageTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Queue = QueueNames.TracktileProducts;
    private static readonly DateTimeOffset Base = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private CapturedLogs Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ProductSync:PageSize", "4"),
        new("Erp:Resilience:MaxRetries", "1"), // each product's PUT is tried twice per attempt
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);

    private ProductSyncService Sync => App.GetRequiredService<ProductSyncService>();

    private void SeedProducts(int count)
        => State.SeedProducts(Enumerable.Range(0, count).Select(i => new TracktileProduct($"prod_{i:D4}", $"SKU-{i}", $"Product {i}", "kg", true, Base.AddMinutes(i))));

    [Fact]
    public async Task UpsertFunction_ErpRefusesOneProduct_OthersWrittenAndOnlyItPoisonedUnderItsOwnId()
    {
        SeedProducts(10);
        State.AddFault(FaultRule.Error("PUT", "/erp/products/prod_0005", 400, times: null));
        await StartFunctionAsync("ProductUpsertFunction");

        var run = await Sync.RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Queue)) == 1, Timeout, "the refused product is poisoned");
        await DrainedAsync(Queue);

        Assert.Equal(ProductShards.Pages(Enumerable.Range(0, 10).Select(i => $"prod_{i:D4}"), 4), run.Pages);
        Assert.Equal(9, State.ErpProducts.Count);
        Assert.DoesNotContain("prod_0005", State.ErpProducts.Keys);
        var poisoned = ProductPage.Read(await App.GetRequiredService<EventMessageReader>().ReadAsync(
            Assert.Single(await Azurite.PeekAllAsync(FailureLog.PoisonQueueName(Queue))), CancellationToken.None));
        var product = Assert.Single(poisoned.Products);
        Assert.Equal("prod_0005@2024-01-01T00:05:00.0000000Z", poisoned.Id);
        Assert.Equal(poisoned.Id, product.EventId);
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Equal(poisoned.Id, failure.GetString("EventId"));
        Assert.True(failure.GetBoolean("Poisoned"));
        Assert.Contains("400", failure.GetString("Reason"), StringComparison.Ordinal);

        // Mended in the ERP, then replayed: written once, and nothing else again.
        State.ClearFaults();
        var replay = await App.GetRequiredService<PoisonReplayer>().ReplayAsync(Queue, null, null, CancellationToken.None);
        Assert.Equal(200, replay.StatusCode);
        await Eventually.UntilAsync(() => State.ErpProducts.ContainsKey("prod_0005"), Timeout, "the replayed product is written");
        await DrainedAsync(Queue);
        Assert.All(State.ErpProducts.Values, p => Assert.Equal(1, p.UpsertCount));
        var link = await App.GetRequiredService<SyncStateStore>().GetAsync(ErpProductConsumer.Scope, "prod_0005", CancellationToken.None);
        Assert.Equal(("prod_0005", Base.AddMinutes(5), null), (link!.TargetId, link.AppliedEventTime, link.LockedBy));
    }

    [Fact]
    public async Task UpsertFunction_WholePageFailsForNow_RetriedAsTwoHalvesAndEachProductWrittenOnce()
    {
        var ids = ProductShards.SameShard("prod_", 4, 4); // one page
        State.SeedProducts(ids.Select((id, i) => new TracktileProduct(id, $"SKU-{i}", $"Product {i}", "kg", true, Base.AddMinutes(i))));
        State.AddFault(FaultRule.Error("PUT", "/erp/products", 503, times: 8)); // the first attempt: 4 products, 2 tries each
        await StartFunctionAsync("ProductUpsertFunction");

        var run = await Sync.RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => State.ErpProducts.Count == 4, Timeout, "every product is written after the retry");
        await DrainedAsync(Queue);

        Assert.Equal(1, run.Pages);
        Assert.All(State.ErpProducts.Values, p => Assert.Equal(1, p.UpsertCount));
        Assert.Equal(0, await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Queue)));
        var attempt = Assert.Single(await FailuresAsync(Queue));
        Assert.False(attempt.GetBoolean("Poisoned"));
        Assert.StartsWith("4 of 4 product(s) failed", attempt.GetString("Reason"), StringComparison.Ordinal);
        var pageId = attempt.GetString("EventId");
        Assert.Contains(Logs.Lines, l => l.Contains($"applied product page {pageId}.1: 2 product(s), 2 applied", StringComparison.Ordinal));
        Assert.Contains(Logs.Lines, l => l.Contains($"applied product page {pageId}.2: 2 product(s), 2 applied", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpsertFunction_OneProductKeepsFailing_OthersWrittenAtOnceAndItPoisonedAfterMaxAttempts()
    {
        SeedProducts(4);
        State.AddFault(FaultRule.Error("PUT", "/erp/products/prod_0002", 503, times: null));
        await StartFunctionAsync("ProductUpsertFunction");

        await Sync.RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Queue)) == 1, Timeout, "the failing product is poisoned");
        await DrainedAsync(Queue);

        Assert.Equal(["prod_0000", "prod_0001", "prod_0003"], State.ErpProducts.Keys.Order());
        Assert.All(State.ErpProducts.Values, p => Assert.Equal(1, p.UpsertCount));
        var poisoned = Assert.Single(await FailuresAsync(Queue), f => f.GetBoolean("Poisoned") == true);
        Assert.Equal("prod_0002@2024-01-01T00:02:00.0000000Z", poisoned.GetString("EventId"));
        Assert.StartsWith("gave up after 5 attempts", poisoned.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(2 * 5, State.CallsTo("PUT", "/erp/products/prod_0002").Count); // 5 attempts (Processing:MaxAttempts), 2 tries each
    }

    [Fact]
    public async Task UpsertFunction_MessageNotAPage_PoisonedWithReasonAndNothingElseDisturbed()
    {
        SeedProducts(4);
        await StartFunctionAsync("ProductUpsertFunction");
        var stray = EventMessageCodec.EncodeInline("tracktile-sync", new EventEnvelope("stray-1", ProductPage.Kind, null), Base, """{"items":[]}"""u8);
        await App.GetRequiredService<EventPublisher>().SendAsync(Queue, BinaryData.FromBytes(stray), CancellationToken.None);

        await Sync.RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => State.ErpProducts.Count == 4, Timeout, "the page is written");
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Queue)) == 1, Timeout, "the stray message is poisoned");

        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Equal("stray-1", failure.GetString("EventId"));
        Assert.Contains("not a product page", failure.GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetManyAsync_PageWithSkuSwapsMovesAndRemovals_ReadsAnswerAsIfAppliedOneByOne()
    {
        await using var app = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings);
        var index = app.GetRequiredService<TracktileFunctions.Store.ProductSkuIndex>();
        await index.SetAsync("prod_a", "SKU-A", CancellationToken.None);
        await index.SetAsync("prod_b", "SKU-B", CancellationToken.None);
        await index.SetAsync("prod_c", "SKU-C", CancellationToken.None);

        // In one page: a and b swap SKUs, c loses its SKU, d is new, e takes c's old SKU.
        var changes = await index.SetManyAsync(
            [("prod_a", "SKU-B"), ("prod_b", "SKU-A"), ("prod_c", null), ("prod_d", "SKU-D"), ("prod_e", "SKU-C")], CancellationToken.None);

        Assert.Equal(5, changes.Count);
        Assert.Equal(("prod_b", "prod_a", "prod_e", "prod_d"), (
            await index.ProductOfAsync("SKU-A", CancellationToken.None), await index.ProductOfAsync("SKU-B", CancellationToken.None),
            await index.ProductOfAsync("SKU-C", CancellationToken.None), await index.ProductOfAsync("SKU-D", CancellationToken.None)));
        Assert.Equal(("SKU-B", "SKU-A", "", "SKU-C"), (
            await index.SkuOfAsync("prod_a", CancellationToken.None), await index.SkuOfAsync("prod_b", CancellationToken.None),
            await index.SkuOfAsync("prod_c", CancellationToken.None), await index.SkuOfAsync("prod_e", CancellationToken.None)));
        Assert.Equal(4, (await index.AllAsync(CancellationToken.None)).Count); // SKU-A..D
        Assert.Equal("product prod_a: SKU SKU-B", (await index.SetManyAsync([("prod_a", "SKU-B")], CancellationToken.None))[0]);
    }
}
