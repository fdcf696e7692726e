using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Tracktile;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

[Collection(AzuriteCollection.Name)]
public sealed class InventoryEventsFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Queue = QueueNames.TracktileInventory;

    private static string InventoryEvent(string id, string kind, string entity, string node, string extra = "", int minute = 0)
        => $$"""{"id":"{{id}}","kind":"{{kind}}","time":"2024-01-15T09:{{minute:D2}}:00Z","transactionId":"t","flowId":"f","entity":{{entity}},"node":{{node}}{{extra}}}""";

    private const string Receiving = """{"id":"node_rcv","name":"Receiving","type":"stage"}""";
    private const string Line1 = """{"id":"node_line1","name":"Line 1","type":"stage"}""";
    private const string Shipping = """{"id":"node_ship","name":"Shipping","type":"container"}""";

    [Fact]
    public async Task RunAsync_DocumentedKinds_PostOneMovementEachOfTheRightType()
    {
        await StartFunctionAsync("InventoryEventsFunction");

        await PostTracktileAsync(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "tests", "Fixtures", "events", "inventory.received.json")));
        await PostTracktileAsync(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "tests", "Fixtures", "events", "inventory.produced.json")));
        await DrainedAsync(Queue);

        Assert.Equal(
            [("receipt", "prod_1", "BATCH-001", 120m, null, "WH1/RECEIVING"), ("production", "prod_2", "BATCH-002", 40m, null, "WH1/LINE1")],
            State.StockMovements.OrderBy(m => m.LotCode).Select(m => (m.MovementType, m.ProductId, m.LotCode, m.Quantity, m.FromLocation, m.ToLocation)));
        Assert.All(State.StockMovements, m => Assert.StartsWith("tracktile-inventory-evt_inv_", m.IdempotencyKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_SameEventDeliveredFiveTimes_OneMovement()
    {
        await StartFunctionAsync("InventoryEventsFunction");
        var json = InventoryEvent("evt_dup5", "inventory.received", """{"id":"ent_9","name":"BATCH-009","productId":"prod_9","quantity":10}""", Receiving);

        for (var i = 0; i < 5; i++)
        {
            await PostTracktileAsync(json);
        }

        await DrainedAsync(Queue);
        Assert.Single(State.StockMovements);
        Assert.Single(State.CallsTo("POST", "/erp/stock-movements")); // the ledger stopped the copies, not the ERP
        Assert.Equal(10m, State.StockOf("prod_9", "BATCH-009", "WH1/RECEIVING"));
    }

    [Fact]
    public async Task RunAsync_ReceivedMovedDestroyedAndRedelivered_LotEndsAtZero()
    {
        await StartFunctionAsync("InventoryEventsFunction");
        const string lot = """{"id":"ent_5","name":"BATCH-005","productId":"prod_5","quantity":25}""";
        string[] events =
        [
            InventoryEvent("evt_r", "inventory.received", lot, Receiving, minute: 1),
            InventoryEvent("evt_m", "inventory.moved", lot, Shipping, ""","fromNode":{"id":"node_rcv","name":"Receiving","type":"stage"}""", minute: 2),
            InventoryEvent("evt_d", "inventory.destroyed", lot, Shipping, minute: 3),
        ];

        foreach (var json in events.Concat(events))
        {
            await PostTracktileAsync(json);
            await DrainedAsync(Queue);
        }

        Assert.Equal(3, State.StockMovements.Count);
        Assert.Equal(3, State.CallsTo("POST", "/erp/stock-movements").Count);
        Assert.Equal(0m, State.StockOf("prod_5", "BATCH-005", "WH1/RECEIVING"));
        Assert.Equal(0m, State.StockOf("prod_5", "BATCH-005", "WH1/SHIPPING"));
        Assert.Equal(0m, State.LotTotal("prod_5", "BATCH-005"));
    }

    [Fact]
    public async Task RunAsync_UnmappedNode_PoisonedWithReasonAndNoMovement()
    {
        await StartFunctionAsync("InventoryEventsFunction");

        await PostTracktileAsync(InventoryEvent("evt_node", "inventory.received", """{"id":"ent_1","name":"B","productId":"p","quantity":1}""", """{"id":"node_mystery","name":"?","type":"bundle"}"""));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");

        Assert.Empty(State.StockMovements);
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Contains("node_mystery", failure.GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_EventWithoutUnit_MovementCarriesTheLotsUnit()
    {
        State.SeedInventoryEntities(new InventoryEntity("ent_7", "BATCH-007", "prod_7", 33, "kg"));
        await StartFunctionAsync("InventoryEventsFunction");

        await PostTracktileAsync(InventoryEvent("evt_q", "inventory.received", """{"id":"ent_7","name":"BATCH-007","productId":"prod_7","quantity":4}""", Line1));
        await DrainedAsync(Queue);

        var movement = Assert.Single(State.StockMovements);
        Assert.Equal((4m, "kg"), (movement.Quantity, movement.Unit)); // the event's change, the lot's unit
        Assert.Single(State.CallsTo("GET", "/tracktile/inventory/entities/ent_7"));
    }

    [Fact]
    public async Task RunAsync_MissingQuantity_PoisonedNamingTheFieldNeverGuessed()
    {
        await StartFunctionAsync("InventoryEventsFunction");

        await PostTracktileAsync(InventoryEvent("evt_noq", "inventory.received", """{"id":"ent_8","name":"BATCH-008","productId":"prod_8"}""", Line1));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");

        Assert.Empty(State.StockMovements);
        Assert.Contains("'entity.quantity'", Assert.Single(await FailuresAsync(Queue)).GetString("Reason"), StringComparison.Ordinal);
    }
}
