using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Sync;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.QuickBooks;

/// <summary>
/// The product batch -> QuickBooks items (<c>quickbooks-products</c>, <see cref="QuickBooksItems"/>) through the real queue
/// extension, Azurite and the sandbox's QuickBooks batch endpoint.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class QuickBooksItemsTests(AzuriteFixture azurite, ITestOutputHelper output) : QuickBooksTestBase(azurite, output)
{
    private static readonly DateTimeOffset Base = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static string BatchPath => $"/quickbooks/v3/company/{Realm}/batch";

    [Fact]
    public async Task ProductBatch_45Products_CreatedInTwoQueryAndTwoWriteBatchesAndLinkedSoAnInvoiceQueriesNoItem()
    {
        await ConnectAsync();
        State.SeedProducts([
            new TracktileProduct("prod_jam", "JAM-250", "Strawberry jam 250 g", "jar", true, Base),
            new TracktileProduct("prod_honey", "HONEY-500", "Wildflower honey 500 g", "jar", true, Base),
            .. Products(43)]);
        await StartFunctionAsync(nameof(QuickBooksProductsFunction));

        await SyncAsync();

        var chunks = ProductShards.Chunks(["prod_jam", "prod_honey", .. Ids.Take(43)], QuickBooksClient.MaxBatchItems);
        Assert.Equal(2 * chunks, State.CallsTo("POST", BatchPath).Count); // a query batch and a write batch per 30 of a page
        var ran = State.QuickBooksBatchItems;
        Assert.Equal((45, 45), (ran.Count(i => i.Operation == "query"), ran.Count(i => i is { Operation: "create", Entity: "Item", Succeeded: true })));
        var items = State.QuickBooksItems;
        Assert.Equal(45, items.Count);
        var jam = Assert.Single(items, i => i["Sku"]!.GetValue<string>() == "JAM-250");
        Assert.Equal(("JAM-250", "Strawberry jam 250 g", "NonInventory"), (jam["Name"]!.GetValue<string>(), jam["Description"]!.GetValue<string>(), jam["Type"]!.GetValue<string>()));
        var links = await App.GetRequiredService<SyncStateStore>().GetManyAsync(QuickBooksItems.Scope, ["prod_jam", "prod_honey", Ids[42]], CancellationToken.None);
        Assert.Equal(jam["Id"]!.GetValue<string>(), links["prod_jam"].TargetId);
        Assert.Equal(items.Single(i => i["Sku"]!.GetValue<string>() == "SKU-042")["Id"]!.GetValue<string>(), links[Ids[42]].TargetId);
        Assert.Empty(await FailuresAsync(QueueNames.QuickBooksProducts));

        // The invoice finds both of its items linked: no item query, no item create.
        var before = State.QuickBooksApiCalls.Count;
        var invoice = await InvoicedAsync();
        var after = State.QuickBooksApiCalls.Skip(before).ToList();
        Assert.DoesNotContain(after, c => c.Path == "query" && Uri.UnescapeDataString(c.Query).Contains("from Item", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(after, c => c.Path is "item" or "batch");
        Assert.Contains(jam["Id"]!.GetValue<string>(), invoice["Line"]!.AsArray().Select(l => l!["SalesItemLineDetail"]?["ItemRef"]?["value"]?.GetValue<string>()));
    }

    [Fact]
    public async Task ProductBatch_ProductRenamedThenFullResync_OneSparseUpdateThenNoWrite()
    {
        await ConnectAsync();
        State.SeedProducts(Products(3));
        await StartFunctionAsync(nameof(QuickBooksProductsFunction));
        await SyncAsync();
        var item = State.QuickBooksItems.Single(i => i["Sku"]!.GetValue<string>() == "SKU-001");
        State.EditQuickBooksItem(item["Id"]!.GetValue<string>(), new JsonObject { ["UnitPrice"] = 7.5m }); // a person sets the price

        State.SeedProducts(new TracktileProduct(Ids[1], "SKU-001", "Product 1, new recipe", "kg", true, Base.AddHours(1)));
        var ranBefore = State.QuickBooksBatchItems.Count;
        await SyncAsync(since: Base);

        var ran = State.QuickBooksBatchItems.Skip(ranBefore).ToList();
        Assert.Equal(["query", "update"], ran.Select(i => i.Operation)); // the other two: this version is applied already
        var updated = State.QuickBooksItems.Single(i => i["Id"]!.GetValue<string>() == item["Id"]!.GetValue<string>());
        Assert.Equal(("Product 1, new recipe", 7.5m, "SKU-001"), (updated["Description"]!.GetValue<string>(), updated["UnitPrice"]!.GetValue<decimal>(), updated["Name"]!.GetValue<string>()));
        var update = State.QuickBooksApiCalls.Last(c => c.Path == "batch");
        Assert.NotNull(update.RequestId);

        // A forced resync reads every item again, and finds nothing to write.
        var batchesBefore = State.CallsTo("POST", BatchPath).Count;
        ranBefore = State.QuickBooksBatchItems.Count;
        await App.GetRequiredService<ProductSyncService>().RunFullAsync("test", CancellationToken.None);
        await DrainedAsync(QueueNames.QuickBooksProducts);

        Assert.Equal(batchesBefore + 1, State.CallsTo("POST", BatchPath).Count);
        Assert.All(State.QuickBooksBatchItems.Skip(ranBefore), i => Assert.Equal("query", i.Operation));
        Assert.Equal(3, State.QuickBooksItems.Count);
    }

    [Fact]
    public async Task ProductBatch_WriteBatchAnswerLost_RetriedUnderTheSameRequestIdAndNoItemTwice()
    {
        await ConnectAsync();
        State.SeedProducts(Products(5));
        // The query batch passes; the write batch is applied and its answer never comes (the attempt times out after 3 s).
        State.AddFault(FaultRule.LostAnswer("POST", BatchPath, TimeSpan.FromSeconds(4)) with { After = 1 });
        await StartFunctionAsync(nameof(QuickBooksProductsFunction));

        await SyncAsync();

        Assert.Equal(5, State.QuickBooksItems.Count);
        Assert.Equal(5, State.QuickBooksItems.Select(i => i["Sku"]!.GetValue<string>()).Distinct().Count());
        Assert.Equal(5, State.QuickBooksBatchItems.Count(i => i.Operation == "create")); // the repeat ran none
        Assert.True(State.QuickBooksRequestIdReplays >= 1, "the repeated batch got QuickBooks' first answer");
        var writes = State.QuickBooksApiCalls.Where(c => c.Path == "batch" && c.RequestId is not null).ToList();
        Assert.True(writes.Count >= 2, $"write batches sent: {writes.Count}");
        Assert.Single(writes.Select(c => c.RequestId).Distinct());
        Assert.Empty(await FailuresAsync(QueueNames.QuickBooksProducts));
    }

    [Fact]
    public async Task ProductBatch_OneItemRefusedAndOneNameTaken_OthersDoneOnlyTheRefusedPoisonedUnderItsEventId()
    {
        await ConnectAsync();
        var named = State.SeedQuickBooksItem("SKU-002"); // made by hand: named like the SKU, without a Sku
        var tooLong = new string('L', 120); // QuickBooks keeps at most 100 characters of a Sku
        State.SeedProducts([.. Products(4).Select(p => p.Id == Ids[1] ? p with { Sku = tooLong } : p)]);
        await StartFunctionAsync(nameof(QuickBooksProductsFunction));

        await SyncAsync();
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(QueueNames.QuickBooksProducts + "-poison") == 1, Timeout, "the refused product is poisoned");

        var items = State.QuickBooksItems;
        Assert.Equal(3, items.Count); // two made, and the seeded one (found by its name)
        Assert.DoesNotContain(items, i => i["Sku"]?.GetValue<string>() == tooLong);
        Assert.Equal("Product 2", items.Single(i => i["Id"]!.GetValue<string>() == named)["Description"]!.GetValue<string>());
        Assert.Equal(named, (await App.GetRequiredService<SyncStateStore>().GetAsync(QuickBooksItems.Scope, Ids[2], CancellationToken.None))!.TargetId);
        Assert.Contains(State.QuickBooksBatchItems, i => i is { Operation: "create", FaultCode: QuickBooksApiException.DuplicateName });
        var poisoned = Assert.Single(await FailuresAsync(QueueNames.QuickBooksProducts), f => f.GetBoolean("Poisoned") == true);
        Assert.Equal($"{Ids[1]}@{Base.AddMinutes(1).UtcDateTime:O}", poisoned.GetString("EventId"));
        Assert.Contains("QuickBooks answered 400", poisoned.GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductBatch_SyncProductsOff_NoQuickBooksProductsMessages()
    {
        State.SeedProducts(Products(5));
        await using (var off = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress,
                         [.. Settings, new("QuickBooks:Items:SyncProducts", "false")]))
        {
            await off.GetRequiredService<ProductSyncService>().RunFullAsync("test", CancellationToken.None);
        }

        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.QuickBooksProducts));
        Assert.Equal(1, await Azurite.MessageCountAsync(QueueNames.StoreProducts)); // the SKU index is still fed

        await App.GetRequiredService<ProductSyncService>().RunFullAsync("test", CancellationToken.None);

        Assert.Equal(1, await Azurite.MessageCountAsync(QueueNames.QuickBooksProducts)); // on (the default): a page for the items
    }

    [Fact]
    public async Task ProductBatch_OneBatchAMinute_SecondBatchWaitsForTheLimiterAndQuickBooksNeverThrottles()
    {
        State.QuickBooksBatchRequestsPerMinute = 1; // what QuickBooks would allow: more would be answered 429
        State.SeedProducts(Products(3));
        await using var slow = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress,
            [.. Settings, new("QuickBooks:BatchRequestsPerMinute", "1")]);
        await ConnectAsync(slow);
        await using var function = await WebJobsQueueHost.StartAsync(IsolatedQueueFunction.Find(typeof(QuickBooksProductsFunction).Assembly, nameof(QuickBooksProductsFunction)),
            slow, Azurite.ConnectionString, Output, WebJobsQueueHost.FastRetries);

        var started = DateTimeOffset.UtcNow;
        await slow.GetRequiredService<ProductSyncService>().RunAsync(null, "test", CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(State.CallsTo("POST", BatchPath).Count == 1), Timeout, "the query batch is sent");
        await Eventually.HoldsAsync(() => Task.FromResult(State.CallsTo("POST", BatchPath).Count == 1), TimeSpan.FromSeconds(10), "the write batch waits");
        await Eventually.UntilAsync(() => Task.FromResult(State.QuickBooksItems.Count == 3), TimeSpan.FromSeconds(90), "the write batch went in the next minute");

        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(45), $"done after {DateTimeOffset.UtcNow - started}");
        Assert.Equal(2, State.CallsTo("POST", BatchPath).Count);
        Assert.Equal(0, State.QuickBooksBatchThrottledCount);
    }

    /// <summary>Product ids of one shard: the batch hands them off in one page.</summary>
    private static readonly IReadOnlyList<string> Ids = ProductShards.SameShard("prod_", 60);

    private static IEnumerable<TracktileProduct> Products(int count)
        => Enumerable.Range(0, count).Select(i => new TracktileProduct(Ids[i], $"SKU-{i:D3}", $"Product {i}", "kg", true, Base.AddMinutes(i)));

    /// <summary>Runs the product batch (from the watermark, or a backfill from <paramref name="since"/>) and waits for the items' queue to drain.</summary>
    private async Task SyncAsync(DateTimeOffset? since = null)
    {
        await App.GetRequiredService<ProductSyncService>().RunAsync(since, "test", CancellationToken.None);
        await DrainedAsync(QueueNames.QuickBooksProducts);
    }
}
