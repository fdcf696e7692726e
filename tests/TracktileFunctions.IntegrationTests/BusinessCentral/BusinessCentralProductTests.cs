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
        Assert.Equal(2, CallsTo("POST", "items"));
        var link = await App.GetRequiredService<SyncStateStore>().GetAsync(ErpProductConsumer.Scope, "prod_1", CancellationToken.None);
        Assert.Equal("FLOUR-25", link?.TargetId); // what sales order lines name the item by

        State.SeedProducts(new TracktileProduct("prod_1", "flour-25", "Flour 25 kg (organic)", "kg", false, DateTimeOffset.UtcNow));
        await SyncAsync();
        await DrainedAsync(QueueNames.TracktileProducts);

        var flour = Assert.Single(State.BcItems, i => i.Number == "FLOUR-25");
        Assert.Equal(("Flour 25 kg (organic)", true), (flour.DisplayName, flour.Blocked));
        var patch = Assert.Single(State.CallsTo("PATCH", $"{BcPath}/items("));
        Assert.Equal(200, patch.StatusCode); // BC answers 400 to a PATCH without If-Match and 409 to a stale one
        Assert.Equal("""{"displayName":"Flour 25 kg (organic)","blocked":true}""", patch.Body);
        Assert.Equal(2, CallsTo("POST", "items")); // nothing created twice
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
        await Eventually.UntilAsync(() => Task.FromResult(State.CallsTo("GET", $"{BcPath}/items").Count == 1), Timeout, "the app read the item");
        var id = Assert.Single(State.BcItems).Id;
        State.EditBcItem(id, item => item with { UnitPrice = 12.5m });
        await DrainedAsync(QueueNames.TracktileProducts);

        var patches = State.CallsTo("PATCH", $"{BcPath}/items(");
        Assert.Equal([409, 200], patches.Select(p => p.StatusCode));
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
        Assert.Equal(1, CallsTo("POST", "items"));
        var link = await App.GetRequiredService<SyncStateStore>().GetAsync(ErpProductConsumer.Scope, "prod_1", CancellationToken.None);
        Assert.Equal("FLOUR-25-ORG", link?.TargetId);
    }
}
