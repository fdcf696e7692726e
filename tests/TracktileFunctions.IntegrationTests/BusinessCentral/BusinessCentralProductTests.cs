using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Tracktile;
using TracktileFunctions.Sync;
using TracktileFunctions.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>The product batch -> Business Central items: created once, then patched with If-Match; a concurrent edit in BC is re-read.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralProductTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    private static readonly DateTimeOffset Base = DateTimeOffset.UtcNow.AddHours(-1);

    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings => [new("BusinessCentral:Items:UnitsOfMeasure:kg", "KG")];

    protected override void ConfigureSandbox(TracktileFunctions.Sandbox.SandboxState state)
    {
        // No items seeded: the batch creates them.
    }

    private Task<ProductSyncResult> SyncAsync() => App.GetRequiredService<ProductSyncService>().RunAsync(null, "test", CancellationToken.None);

    /// <summary>The calls to an entity path, standalone or inside a <c>$batch</c>, in the order they ran: (status, body).</summary>
    private List<(int? Status, string Body)> Operations(string method, string entityPath)
        => [.. State.CallsTo(method, $"{BcPath}/{entityPath}").Select(c => (c.Time, Status: (int?)c.StatusCode, c.Body))
            .Concat(State.BcBatchOperationsTo(method, $"{BcPath}/{entityPath}").Select(o => (o.Time, Status: o.StatusCode, o.Body)))
            .OrderBy(o => o.Time).Select(o => (o.Status, o.Body))];

    [Fact]
    public async Task ProductBatch_NewThenChangedProducts_ItemsCreatedThenPatchedWithIfMatch()
    {
        State.SeedProducts(
            new TracktileProduct("prod_1", "flour-25", "Flour 25 kg", "kg", true, Base),
            new TracktileProduct("prod_2", "sugar-10", "Sugar 10 kg", "kg", true, Base.AddMinutes(1)));
        await StartFunctionAsync("ProductUpsertFunction");

        await SyncAsync();
        await DrainedAsync(QueueNames.TracktileProducts);

        Assert.Equal([("FLOUR-25", "Flour 25 kg", "KG"), ("SUGAR-10", "Sugar 10 kg", "KG")],
            State.BcItems.OrderBy(i => i.Number, StringComparer.Ordinal).Select(i => (i.Number, i.DisplayName, i.BaseUnitOfMeasureCode)));
        Assert.Equal(2, Operations("POST", "items").Count);
        Assert.Equal(2 * ProductShards.Pages(["prod_1", "prod_2"], 100), State.CallsTo("POST", "/bc/v2.0/sandbox-tenant/production/api/v2.0/$batch").Count); // a page's look-ups, then its creates
        var link = await App.GetRequiredService<SyncStateStore>().GetAsync(ErpProductConsumer.Scope, "prod_1", CancellationToken.None);
        Assert.Equal("FLOUR-25", link?.TargetId); // what sales order lines name the item by

        State.SeedProducts(new TracktileProduct("prod_1", "flour-25", "Flour 25 kg (organic)", "kg", false, DateTimeOffset.UtcNow));
        await SyncAsync();
        await DrainedAsync(QueueNames.TracktileProducts);

        var flour = Assert.Single(State.BcItems, i => i.Number == "FLOUR-25");
        Assert.Equal(("Flour 25 kg (organic)", true), (flour.DisplayName, flour.Blocked));
        var patch = Assert.Single(Operations("PATCH", "items("));
        Assert.Equal(200, patch.Status); // BC answers 400 to a PATCH without If-Match and 409 to a stale one
        Assert.Equal("""{"displayName":"Flour 25 kg (organic)","blocked":true}""", patch.Body);
        Assert.Equal(2, Operations("POST", "items").Count); // nothing created twice
    }

    [Fact]
    public async Task ProductBatch_EditInBusinessCentralBetweenReadAndWrite_ConflictReReadRightFinalState()
    {
        State.SeedBcItem("FLOUR-25", "Flour", unitPrice: 10m);
        State.SeedProducts(new TracktileProduct("prod_1", "FLOUR-25", "Flour 25 kg", "kg", true, Base));
        State.AddFault(FaultRule.Latency("PATCH", $"{BcPath}/items(", TimeSpan.FromSeconds(3)));
        await StartFunctionAsync("ProductUpsertFunction");

        await SyncAsync();
        // Once the app has read the item (its PATCH is then held 3 s at the door, room for a loaded machine), a person changes the price in
        // Business Central: the PATCH's ETag is stale.
        await Eventually.UntilAsync(() => Task.FromResult(Operations("GET", "items").Count == 1), Timeout, "the app read the item");
        var id = Assert.Single(State.BcItems).Id;
        State.EditBcItem(id, item => item with { UnitPrice = 12.5m });
        await DrainedAsync(QueueNames.TracktileProducts);

        var patches = Operations("PATCH", "items(");
        Assert.Equal([409, 200], patches.Select(p => p.Status)); // in the batch, then on its own after reading it again
        var item = Assert.Single(State.BcItems);
        Assert.Equal(("Flour 25 kg", 12.5m), (item.DisplayName, item.UnitPrice)); // ours, and the person's edit kept
        Assert.Empty(await FailuresAsync(QueueNames.TracktileProducts));
    }

    [Fact]
    public async Task ProductBatch_SkuChanged_ItemRenamedNotDuplicated()
    {
        State.SeedProducts(new TracktileProduct("prod_1", "flour-25", "Flour 25 kg", "kg", true, Base));
        await StartFunctionAsync("ProductUpsertFunction");
        await SyncAsync();
        await DrainedAsync(QueueNames.TracktileProducts);

        State.SeedProducts(new TracktileProduct("prod_1", "flour-25-org", "Flour 25 kg", "kg", true, DateTimeOffset.UtcNow));
        await SyncAsync();
        await DrainedAsync(QueueNames.TracktileProducts);

        Assert.Equal("FLOUR-25-ORG", Assert.Single(State.BcItems).Number);
        Assert.Single(Operations("POST", "items"));
        var link = await App.GetRequiredService<SyncStateStore>().GetAsync(ErpProductConsumer.Scope, "prod_1", CancellationToken.None);
        Assert.Equal("FLOUR-25-ORG", link?.TargetId);
    }

    [Fact]
    public async Task ProductBatch_150Products_TwoBatchRequestsAPageInsteadOf300Calls()
    {
        State.SeedProducts(Enumerable.Range(0, 150).Select(i => new TracktileProduct($"prod_{i:D3}", $"item-{i:D3}", $"Item {i}", "kg", true, Base.AddSeconds(i))));
        await StartFunctionAsync("ProductUpsertFunction");

        var run = await SyncAsync();
        await Eventually.UntilAsync(() => State.BcItems.Count == 150, Timeout, "every item is created");
        await DrainedAsync(QueueNames.TracktileProducts);

        var pages = ProductShards.Pages(Enumerable.Range(0, 150).Select(i => $"prod_{i:D3}"), 100);
        Assert.Equal(pages, run.Pages);
        Assert.Equal(2 * pages, State.CallsTo("POST", "/bc/v2.0/sandbox-tenant/production/api/v2.0/$batch").Count); // not 300 calls
        Assert.Empty(State.CallsTo("GET", $"{BcPath}/items"));
        Assert.Equal(150, State.BcBatchOperationsTo("POST", $"{BcPath}/items").Count(o => o.StatusCode == 201));
        var link = await App.GetRequiredService<SyncStateStore>().GetAsync(ErpProductConsumer.Scope, "prod_149", CancellationToken.None);
        Assert.Equal("ITEM-149", link?.TargetId);
    }

    [Fact]
    public async Task ProductBatch_OneItemRefusedInsideTheBatch_OthersCreatedAndOnlyItPoisoned()
    {
        var ids = ProductShards.SameShard("prod_", 3); // one page, one batch
        State.SeedProducts(
            new TracktileProduct(ids[0], "flour-25", "Flour 25 kg", "kg", true, Base),
            new TracktileProduct(ids[1], "sugar-10", "Sugar 10 kg", "kg", true, Base.AddMinutes(1)),
            new TracktileProduct(ids[2], "salt-1", "Salt 1 kg", "kg", true, Base.AddMinutes(2)));
        State.AddFault(FaultRule.Error("POST", $"{BcPath}/items", 400, times: 1)); // the first create of the batch
        await StartFunctionAsync("ProductUpsertFunction");

        await SyncAsync();
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(QueueNames.TracktileProducts)) == 1, Timeout, "the refused item is poisoned");
        await DrainedAsync(QueueNames.TracktileProducts);

        Assert.Equal(["SALT-1", "SUGAR-10"], State.BcItems.Select(i => i.Number).Order(StringComparer.Ordinal));
        var failure = Assert.Single(await FailuresAsync(QueueNames.TracktileProducts));
        Assert.StartsWith(ids[0] + "@", failure.GetString("EventId"), StringComparison.Ordinal);
        Assert.Contains("400", failure.GetString("Reason"), StringComparison.Ordinal);
    }
}
