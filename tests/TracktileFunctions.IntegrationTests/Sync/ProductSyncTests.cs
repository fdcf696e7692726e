using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Sync;
using Xunit.Abstractions;
using AppPagination = TracktileFunctions.Tracktile.ProductPagination;
using SandboxPagination = TracktileFunctions.Sandbox.Tracktile.ProductPagination;

namespace TracktileFunctions.IntegrationTests.Sync;

/// <summary>The product batch against the sandbox's paged products API, with the watermark in Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ProductSyncTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Queue = QueueNames.TracktileProducts;
    private static readonly DateTimeOffset Base = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Tracktile:Api:Products:Pagination", nameof(AppPagination.OffsetEnvelope)),
        new("Tracktile:Api:Products:PageSize", "10"),
        new("ProductSync:OverlapSeconds", "60"),
        new("ProductSync:PageSize", "4"),
    ];

    protected override void ConfigureSandbox(TracktileFunctions.Sandbox.SandboxState state) => state.ProductPagination = SandboxPagination.OffsetEnvelope;

    private ProductSyncService Sync(ServiceProvider? app = null) => (app ?? App).GetRequiredService<ProductSyncService>();

    private void SeedProducts(int count, DateTimeOffset from, string prefix = "prod")
        => State.SeedProducts(Enumerable.Range(0, count).Select(i =>
            new TracktileProduct($"{prefix}_{i:D4}", $"SKU-{i}", $"Product {i}", "kg", true, from.AddMinutes(i))));

    private async Task<HashSet<string>> QueuedProductIdsAsync()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var reader = App.GetRequiredService<EventMessageReader>();
        await foreach (var text in AllMessagesAsync())
        {
            foreach (var product in ProductPage.Read(await reader.ReadAsync(text, CancellationToken.None)).Products)
            {
                ids.Add(product.Product.GetProperty("id").GetString()!);
            }
        }

        return ids;
    }

    /// <summary>Every message text in the products queue, drained 32 at a time.</summary>
    private async IAsyncEnumerable<string> AllMessagesAsync()
    {
        var queue = Azurite.Queue(Queue);
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
            if (batch.Length == 0)
            {
                yield break;
            }

            foreach (var message in batch)
            {
                yield return message.Body.ToString();
            }
        }
    }

    [Theory]
    [InlineData(AppPagination.BareArray, SandboxPagination.BareArray)]
    [InlineData(AppPagination.OffsetEnvelope, SandboxPagination.OffsetEnvelope)]
    [InlineData(AppPagination.CursorEnvelope, SandboxPagination.CursorEnvelope)]
    public async Task RunAsync_EachPaginationMode_HandsOffEveryProductOnce(AppPagination mode, SandboxPagination sandboxMode)
    {
        State.ProductPagination = sandboxMode;
        SeedProducts(95, Base);
        await using var app = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress,
            [.. Settings, new("Tracktile:Api:Products:Pagination", mode.ToString())]);

        var result = await Sync(app).RunAsync(null, "test", CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal((95, 95, 0), (result.Seen, result.HandedOff, result.Failed));
        var handedOff = ProductShards.Pages(Enumerable.Range(0, 95).Select(i => $"prod_{i:D4}"), 4); // 4 to a page, a page per shard
        Assert.Equal(handedOff, result.Pages);
        Assert.Equal(handedOff, await Azurite.MessageCountAsync(Queue));
        Assert.Equal(95, (await QueuedProductIdsAsync()).Count);
        var pages = State.CallsTo("GET", "/tracktile/products").Count;
        // Offset pages re-read the last product of the page before (to check nothing shifted): 10 + 9 * 9 + 4.
        Assert.Equal(mode switch { AppPagination.BareArray => 1, AppPagination.OffsetEnvelope => 11, _ => 10 }, pages);
    }

    [Fact]
    public async Task RunAsync_ManyPagesThenUpsertFunction_EveryProductInErp()
    {
        SeedProducts(120, Base);
        await StartFunctionAsync("ProductUpsertFunction");

        var result = await Sync().RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => State.ErpProducts.Count == 120, Timeout, "every product is upserted");
        await DrainedAsync(Queue);

        Assert.Equal(120, result.HandedOff);
        Assert.All(State.ErpProducts.Values, p => Assert.Equal(1, p.UpsertCount));
        Assert.Equal("Product 7", State.ErpProducts["prod_0007"].Body.GetProperty("name").GetString());
        Assert.Equal(result.StartedAt.AddSeconds(-60), await Sync().GetWatermarkAsync(CancellationToken.None));
    }

    [Fact]
    public async Task UpsertFunction_OlderVersionAfterNewer_ErpKeepsNewer()
    {
        await StartFunctionAsync("ProductUpsertFunction");
        State.SeedProducts(new TracktileProduct("prod_v", "SKU-V", "Version 2", "kg", true, Base.AddHours(2)));
        await Sync().RunAsync(null, "test", CancellationToken.None);
        await DrainedAsync(Queue);

        // An older snapshot of the same product arrives late (a backfill or a replay from poison).
        State.SeedProducts(new TracktileProduct("prod_v", "SKU-V", "Version 1", "kg", true, Base.AddHours(1)));
        await Sync().RunAsync(Base, "backfill", CancellationToken.None);
        await DrainedAsync(Queue);

        Assert.Equal("Version 2", State.ErpProducts["prod_v"].Body.GetProperty("name").GetString());
        Assert.Equal(1, State.ErpProducts["prod_v"].UpsertCount);
    }

    [Fact]
    public async Task UpsertFunction_OlderVersionStillInFlightWhenNewerArrives_ErpEndsAtNewer()
    {
        State.SeedProducts(new TracktileProduct("prod_o", "SKU-O", "Version 1", "kg", true, Base.AddHours(1)));
        await Sync().RunAsync(null, "test", CancellationToken.None);
        State.AddFault(FaultRule.Latency("PUT", "/erp/products/prod_o", TimeSpan.FromSeconds(4), times: 1)); // V1's PUT is slow
        await StartFunctionAsync("ProductUpsertFunction");
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue) == 0, Timeout, "V1 is being written");
        await Task.Delay(TimeSpan.FromSeconds(1));

        State.SeedProducts(new TracktileProduct("prod_o", "SKU-O", "Version 2", "kg", true, Base.AddHours(2)));
        await Sync().RunAsync(Base, "backfill", CancellationToken.None);
        await Eventually.UntilAsync(() => State.ErpProducts.TryGetValue("prod_o", out var p) && p.UpsertCount == 2, Timeout, "both versions are written");
        await DrainedAsync(Queue);

        Assert.Equal("Version 2", State.ErpProducts["prod_o"].Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task HttpFunction_FullResync_WritesEveryProductOnceWhateverSyncStateSays()
    {
        SeedProducts(5, Base);
        await StartFunctionAsync("ProductUpsertFunction");
        await StartFunctionAsync("ProductSyncRequestFunction");
        await Sync().RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => State.ErpProducts.Count == 5, Timeout, "every product is upserted");
        State.LoseErpProducts(); // the ERP is restored from an old backup

        await Sync().RunAsync(Base, "backfill", CancellationToken.None); // an ordinary backfill writes nothing: sync state says the ERP has them
        await DrainedAsync(Queue);
        Assert.Empty(State.ErpProducts);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.QueryString = new QueryString("?full=true");
        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ProductSyncHttpFunction>(App).RunAsync(context.Request, CancellationToken.None));

        Assert.Equal(202, reply.StatusCode);
        await Eventually.UntilAsync(() => State.ErpProducts.Count == 5, Timeout, "the full resync writes every product again");
        await DrainedAsync(Queue);
        Assert.All(State.ErpProducts.Values, p => Assert.Equal(1, p.UpsertCount));
        Assert.DoesNotContain("modifiedSince", State.CallsTo("GET", "/tracktile/products")[^1].Query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?full=maybe")]
    [InlineData("?full=true&since=2024-01-01T00:00:00Z")]
    public async Task HttpFunction_BadFullResyncRequest_Answers400AndQueuesNothing(string query)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query);

        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ProductSyncHttpFunction>(App).RunAsync(context.Request, CancellationToken.None));

        Assert.Equal(400, reply.StatusCode);
        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.ProductSyncRequests));
    }

    [Fact]
    public async Task RunAsync_FirstRunWithoutWatermark_DoesFullSyncWithoutModifiedSince()
    {
        SeedProducts(3, Base);

        await Sync().RunAsync(null, "test", CancellationToken.None);

        Assert.All(State.CallsTo("GET", "/tracktile/products"), c => Assert.DoesNotContain("modifiedSince", c.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ProductsChangedDuringRun_PickedUpByNextRun()
    {
        SeedProducts(15, Base);
        State.AddFault(FaultRule.Latency("GET", "/tracktile/products", TimeSpan.FromMilliseconds(500)) with { After = 1 });

        // Change two products while the first run is waiting for its second page: one just now, and one whose
        // change Tracktile stamps slightly before the run started (indexed late): the overlap covers that one.
        var running = Sync().RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => State.CallsTo("GET", "/tracktile/products").Count >= 1, Timeout, "the first page is read");
        State.SeedProducts(
            new TracktileProduct("prod_during", "SKU-D", "During", "kg", true, DateTimeOffset.UtcNow),
            new TracktileProduct("prod_late", "SKU-L", "Late", "kg", true, DateTimeOffset.UtcNow.AddSeconds(-20)));
        var first = await running;
        var second = await Sync().RunAsync(null, "test", CancellationToken.None);

        Assert.Contains($"modifiedSince={Uri.EscapeDataString(TracktileFunctions.Tracktile.TracktileClient.FormatTime(first.StartedAt.AddSeconds(-60)))}",
            State.CallsTo("GET", "/tracktile/products")[^1].Query, StringComparison.Ordinal);
        Assert.Equal(2, second.HandedOff);
        var ids = await QueuedProductIdsAsync();
        Assert.Contains("prod_late", ids);
        Assert.Contains("prod_during", ids);
        Assert.Equal(17, ids.Count);
    }

    [Fact]
    public async Task RunAsync_EarlyProductEditedWhilePaging_NoProductSkipped()
    {
        SeedProducts(30, Base);
        State.AddFault(FaultRule.Latency("GET", "/tracktile/products", TimeSpan.FromMilliseconds(500)) with { After = 1 });

        // While page 2 is on its way, a product from page 1 is edited: it moves to the end of the list, and every
        // later product moves one place up. Paging by position would never read the product at the page boundary.
        var running = Sync().RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => State.CallsTo("GET", "/tracktile/products").Count >= 1, Timeout, "the first page is read");
        State.SeedProducts(new TracktileProduct("prod_0002", "SKU-2", "Product 2 (edited)", "kg", true, DateTimeOffset.UtcNow));
        var result = await running;

        Assert.True(result.Succeeded);
        var ids = await QueuedProductIdsAsync();
        Assert.Equal(30, ids.Count);
        Assert.Equal(31, result.HandedOff); // prod_0002 twice: before and after its edit
    }

    [Fact]
    public async Task RunAsync_BareArrayBodyStallsAfterHeaders_FailsInsteadOfHangingAndKeepsWatermark()
    {
        State.ProductPagination = SandboxPagination.BareArray;
        SeedProducts(3, Base);
        State.AddFault(FaultRule.StalledBody("GET", "/tracktile/products", TimeSpan.FromSeconds(20)));
        await using var app = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress,
            [.. Settings, new("Tracktile:Api:Products:Pagination", nameof(AppPagination.BareArray)), new("Tracktile:Api:Products:ReadIdleTimeoutSeconds", "1")]);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<TracktileFunctions.Tracktile.TracktileApiException>(() => Sync(app).RunAsync(null, "test", CancellationToken.None));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Contains("ReadIdleTimeoutSeconds", error.Message, StringComparison.Ordinal);
        Assert.Null(await Sync(app).GetWatermarkAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_ApiFailsOnPageThree_WatermarkUnchangedAndNextRunSkipsNothing()
    {
        SeedProducts(50, Base);
        State.AddFault(FaultRule.Error("GET", "/tracktile/products", 400, times: 1) with { After = 2 });

        await Assert.ThrowsAsync<TracktileFunctions.Tracktile.TracktileApiException>(() => Sync().RunAsync(null, "test", CancellationToken.None));
        Assert.Null(await Sync().GetWatermarkAsync(CancellationToken.None));

        var retry = await Sync().RunAsync(null, "test", CancellationToken.None);

        Assert.Equal(50, retry.HandedOff);
        Assert.Equal(50, (await QueuedProductIdsAsync()).Count);
        Assert.NotNull(await Sync().GetWatermarkAsync(CancellationToken.None));
        var runs = new List<TableEntity>();
        await foreach (var run in new TableClient(Azurite.ConnectionString, ProductSyncService.RunsTableName).QueryAsync<TableEntity>())
        {
            runs.Add(run);
        }

        Assert.Equal(["succeeded", "failed"], runs.Select(r => r.GetString("Status"))); // newest first
        Assert.Equal(19, runs[1].GetInt64("Seen")); // two pages read (10, then 9 new) before the third failed
    }

    [Fact]
    public async Task RunAsync_TwoOverlappingRuns_EveryProductHandedOffAndWatermarkNeverMovesBack()
    {
        SeedProducts(40, Base);
        State.Latency = TimeSpan.FromMilliseconds(50);

        var runs = await Task.WhenAll(
            Sync().RunAsync(null, "a", CancellationToken.None),
            Task.Run(async () =>
            {
                await Task.Delay(100);
                return await Sync().RunAsync(null, "b", CancellationToken.None);
            }));

        var latest = runs.Max(r => r.StartedAt).AddSeconds(-60);
        Assert.Equal(latest, await Sync().GetWatermarkAsync(CancellationToken.None));
        Assert.Equal(40, (await QueuedProductIdsAsync()).Count);

        // A backfill from long ago finishes later: it must not move the watermark back.
        State.Latency = null;
        await Sync().RunAsync(Base, "backfill", CancellationToken.None);
        Assert.True(await Sync().GetWatermarkAsync(CancellationToken.None) >= latest);
    }

    [Fact]
    public async Task RunAsync_RecentBackfillBeforeFirstRun_LeavesWatermarkSoNothingIsSkipped()
    {
        SeedProducts(10, Base);

        var backfill = await Sync().RunAsync(Base.AddMinutes(5), "manual", CancellationToken.None);
        Assert.Equal(5, backfill.HandedOff);
        Assert.Null(await Sync().GetWatermarkAsync(CancellationToken.None));

        var first = await Sync().RunAsync(null, "schedule", CancellationToken.None);
        Assert.Equal(10, first.HandedOff);
        Assert.NotNull(await Sync().GetWatermarkAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_AfterRestart_ContinuesFromStoredWatermark()
    {
        SeedProducts(5, Base);
        var first = await Sync().RunAsync(null, "test", CancellationToken.None);

        await using var restarted = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings);
        await Sync(restarted).RunAsync(null, "test", CancellationToken.None);

        var expected = TracktileFunctions.Tracktile.TracktileClient.FormatTime(first.StartedAt.AddSeconds(-60));
        Assert.Contains($"modifiedSince={Uri.EscapeDataString(expected)}", State.CallsTo("GET", "/tracktile/products")[^1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpFunction_ManualRunWithSince_Answers202AndRequestFunctionRunsIt()
    {
        SeedProducts(12, Base);
        await StartFunctionAsync("ProductSyncRequestFunction");
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.QueryString = new QueryString("?since=2024-01-01T00:05:00Z");

        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ProductSyncHttpFunction>(App).RunAsync(context.Request, CancellationToken.None));

        Assert.Equal(202, reply.StatusCode);
        var pages = ProductShards.Pages(Enumerable.Range(5, 7).Select(i => $"prod_{i:D4}"), 4);
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue) == pages, Timeout, "products since 00:05 are handed off (7, 4 to a page)");
        Assert.Equal(7, (await QueuedProductIdsAsync()).Count);
        Assert.Contains("modifiedSince=2024-01-01T00%3A05%3A00.000Z", State.CallsTo("GET", "/tracktile/products")[0].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpFunction_BadSince_Answers400AndQueuesNothing()
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString("?since=last-tuesday");

        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ProductSyncHttpFunction>(App).RunAsync(context.Request, CancellationToken.None));

        Assert.Equal(400, reply.StatusCode);
        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.ProductSyncRequests));
    }

    [Fact]
    public async Task TimerFunction_TicksAcrossTheDefaultHourlySchedule_RunsOncePerOccurrenceAndOnceAfterDowntime()
    {
        SeedProducts(2, Base);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 10, 30, 0, TimeSpan.Zero));
        await using var app = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings, clock);
        var timer = ActivatorUtilities.CreateInstance<ProductSyncTimerFunction>(app);
        async Task<int> TickAtAsync(int hour, int minute, bool pastDue = false)
        {
            clock.SetUtcNow(new DateTimeOffset(2026, 3, 2, hour, minute, 0, TimeSpan.Zero));
            await timer.RunAsync(new TimerInfo { IsPastDue = pastDue }, CancellationToken.None);
            return State.CallsTo("GET", "/tracktile/products").Count;
        }

        Assert.Equal(1, await TickAtAsync(10, 30));   // the first tick after deployment runs at once
        Assert.Equal(1, await TickAtAsync(10, 31));
        Assert.Equal(1, await TickAtAsync(10, 59));
        Assert.Equal(2, await TickAtAsync(11, 0));    // the top of the hour
        Assert.Equal(2, await TickAtAsync(11, 1));
        Assert.Equal(3, await TickAtAsync(14, 10, pastDue: true)); // down from 11:01 to 14:10: one run, not three
        Assert.Equal(3, await TickAtAsync(14, 11));
    }

    [Fact]
    public async Task TimerFunction_ScheduleSetting_IsFollowed()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
        await using var app = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress,
            [.. Settings, new("ProductSync:Schedule", "0 */15 * * * *")], clock);
        var timer = ActivatorUtilities.CreateInstance<ProductSyncTimerFunction>(app);
        var runs = 0;
        for (var minute = 0; minute < 60; minute++)
        {
            clock.SetUtcNow(new DateTimeOffset(2026, 3, 2, 10, minute, 0, TimeSpan.Zero));
            await timer.RunAsync(new TimerInfo(), CancellationToken.None);
            runs = State.CallsTo("GET", "/tracktile/products").Count;
        }

        Assert.Equal(4, runs); // 10:00 (the first tick), 10:15, 10:30, 10:45
    }

    [Fact]
    public async Task ProductMessage_LargeProduct_ClaimCheckedAndReadBack()
    {
        State.SeedProducts(new TracktileProduct("prod_big", "SKU-B", new string('n', 60_000), "kg", true, Base));

        await Sync().RunAsync(null, "test", CancellationToken.None);

        var text = Assert.Single(await Azurite.PeekAllAsync(Queue));
        Assert.Contains("payloadBlob", text, StringComparison.Ordinal);
        var page = ProductPage.Read(await App.GetRequiredService<EventMessageReader>().ReadAsync(text, CancellationToken.None));
        Assert.Equal(60_000, Assert.Single(page.Products).Product.GetProperty("name").GetString()!.Length);
        Assert.Equal("prod_big@2024-01-01T00:00:00.0000000Z", page.Products[0].EventId);
    }
}
