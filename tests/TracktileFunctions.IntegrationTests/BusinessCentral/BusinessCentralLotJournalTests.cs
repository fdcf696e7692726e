using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>Stock per lot through a customer's lot journal API page (an AL extension; the sandbox's BC offers one).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralLotJournalTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("BusinessCentral:LotJournal:ApiPath", "tracktile/inventory/v1.0"),
        new("Erp:Inventory:Locations:node_rcv", "MAIN"),
    ];

    protected override void ConfigureSandbox(TracktileFunctions.Sandbox.SandboxState state)
    {
        base.ConfigureSandbox(state);
        state.EnableBcLotJournal();
    }

    [Fact]
    public async Task LotReceived_DeliveredThreeTimes_OneJournalLinePostedOnce()
    {
        await LinkProductsAsync();
        await StartFunctionAsync("InventoryEventsFunction");
        var received = $$$"""{"id":"evt_inv","kind":"inventory.received","time":"2024-01-15T10:00:00Z","transactionId":"t","flowId":"f","entity":{"id":"ent_1","name":"batch-001","productId":"prod_1","quantity":5,"unit":"kg"},"node":{"id":"node_rcv","name":"Receiving","type":"stage"}}""";

        for (var i = 0; i < 3; i++)
        {
            await PostTracktileAsync(received);
        }

        await DrainedAsync(QueueNames.TracktileInventory);
        var line = Assert.Single(State.BcLotJournalLines);
        Assert.Equal(("FLOUR-25", "BATCH-001", 5m, "MAIN", "Positive Adjmt.", true), (line.ItemNumber, line.LotNumber, line.Quantity, line.LocationCode, line.EntryType, line.Posted));
        Assert.Equal(5m, State.BcItemLedgerEntries.Where(e => e.ItemNumber == "FLOUR-25" && e.LotNumber == "BATCH-001").Sum(e => e.Quantity));
        Assert.DoesNotContain(await FailuresAsync(QueueNames.TracktileInventory), f => f.GetBoolean("Poisoned") == true);
    }
}
