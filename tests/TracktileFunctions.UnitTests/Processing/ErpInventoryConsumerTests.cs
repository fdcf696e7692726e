using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.RestErp;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.UnitTests.Processing;

public sealed class ErpInventoryConsumerTests
{
    private readonly StubHandler _erp = StubHandler.Json(HttpStatusCode.Created, "{}");
    private StubHandler _tracktile = StubHandler.Json(HttpStatusCode.NotFound, """{"status":404,"message":"not found"}""");

    private static readonly ErpInventoryOptions Options = new()
    {
        Movements = new(ErpInventoryOptions.DefaultMovements),
        Locations = { ["node_rcv"] = "WH1/RECEIVING", ["node_line1"] = "WH1/LINE1", ["node_ship"] = "WH1/SHIPPING" },
    };

    private ErpInventoryConsumer Consumer() => new(
        new TracktileClient(new HttpClient(_tracktile) { BaseAddress = new Uri("http://tracktile.test/") }, Microsoft.Extensions.Options.Options.Create(new TracktileClientOptions())),
        new RestErpClient(new HttpClient(_erp) { BaseAddress = new Uri("http://erp.test/") }, Microsoft.Extensions.Options.Options.Create(new RestErpOptions())),
        Microsoft.Extensions.Options.Options.Create(Options));

    private static WebhookEventReceived Event(byte[] json)
    {
        var payload = JsonElement.Parse(json);
        return new WebhookEventReceived("tracktile", payload.GetProperty("id").GetString()!, payload.GetProperty("kind").GetString()!,
            payload.GetProperty("time").GetDateTimeOffset(), DateTimeOffset.UnixEpoch, payload);
    }

    private static WebhookEventReceived Event(string kind, string entity, string node = """{"id":"node_ship","name":"Shipping","type":"stage"}""", string extra = "")
        => Event(Encoding.UTF8.GetBytes($$"""{"id":"evt_x","kind":"{{kind}}","time":"2024-01-15T09:00:00Z","flowId":"f","entity":{{entity}},"node":{{node}}{{extra}}}"""));

    private JsonElement PostedMovement()
    {
        var (request, body) = Assert.Single(_erp.Requests);
        Assert.Equal("http://erp.test/stock-movements", request.RequestUri!.ToString());
        Assert.Equal("tracktile-inventory-" + JsonElement.Parse(body!).GetProperty("sourceEventId").GetString(), request.Headers.GetValues("Idempotency-Key").Single());
        return JsonElement.Parse(body!);
    }

    [Fact]
    public async Task HandleAsync_Received_PostsReceiptOfLotAtMappedLocation()
    {
        await Consumer().HandleAsync(Event(Fixture.Event("inventory.received")), CancellationToken.None);

        var movement = PostedMovement();
        Assert.Equal("receipt", movement.GetProperty("movementType").GetString());
        Assert.Equal(("prod_1", "BATCH-001", 120m), (movement.GetProperty("productId").GetString(), movement.GetProperty("lotCode").GetString(), movement.GetProperty("quantity").GetDecimal()));
        Assert.Equal("WH1/RECEIVING", movement.GetProperty("toLocation").GetString());
        Assert.False(movement.TryGetProperty("fromLocation", out _));
    }

    [Fact]
    public async Task HandleAsync_Produced_PostsProduction()
    {
        await Consumer().HandleAsync(Event(Fixture.Event("inventory.produced")), CancellationToken.None);

        Assert.Equal(("production", "WH1/LINE1"), (PostedMovement().GetProperty("movementType").GetString(), PostedMovement().GetProperty("toLocation").GetString()));
    }

    [Fact]
    public async Task HandleAsync_Moved_PostsTransferFromSourceNodeToNode()
    {
        var evt = Event("inventory.moved", """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":20}""",
            extra: ""","fromNode":{"id":"node_rcv","name":"Receiving","type":"stage"}""");

        await Consumer().HandleAsync(evt, CancellationToken.None);

        var movement = PostedMovement();
        Assert.Equal(("transfer", "WH1/RECEIVING", "WH1/SHIPPING"), (movement.GetProperty("movementType").GetString(), movement.GetProperty("fromLocation").GetString(), movement.GetProperty("toLocation").GetString()));
    }

    [Fact]
    public async Task HandleAsync_Destroyed_PostsWriteOffAtNode()
    {
        await Consumer().HandleAsync(Event("inventory.destroyed", """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":5}"""), CancellationToken.None);

        var movement = PostedMovement();
        Assert.Equal(("writeOff", "WH1/SHIPPING", 5m), (movement.GetProperty("movementType").GetString(), movement.GetProperty("fromLocation").GetString(), movement.GetProperty("quantity").GetDecimal()));
    }

    [Fact]
    public async Task HandleAsync_ModifiedWithDelta_PostsSignedAdjustment()
    {
        await Consumer().HandleAsync(Event("inventory.modified", """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":95,"quantityDelta":-5}"""), CancellationToken.None);

        Assert.Equal(-5m, PostedMovement().GetProperty("quantity").GetDecimal());
    }

    [Fact]
    public async Task HandleAsync_ModifiedWithoutDelta_IsPermanentAndPostsNothing()
    {
        var ex = await Assert.ThrowsAsync<PermanentProcessingException>(() =>
            Consumer().HandleAsync(Event("inventory.modified", """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":95}"""), CancellationToken.None));

        Assert.Contains("quantityDelta", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_erp.Requests);
    }

    [Fact]
    public async Task HandleAsync_UnmappedNode_IsPermanentNamingTheNode()
    {
        var ex = await Assert.ThrowsAsync<PermanentProcessingException>(() => Consumer().HandleAsync(
            Event("inventory.received", """{"id":"ent_1","name":"B","productId":"p","quantity":1}""", """{"id":"node_unknown","name":"?","type":"stage"}"""), CancellationToken.None));

        Assert.Contains("node_unknown", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_erp.Requests);
    }

    [Fact]
    public async Task HandleAsync_MissingQuantity_PermanentNamingTheFieldAndNeverReadFromTheLot()
    {
        _tracktile = StubHandler.Json(HttpStatusCode.OK, """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":42,"unit":"kg"}""");

        var ex = await Assert.ThrowsAsync<PermanentProcessingException>(() => Consumer().HandleAsync(
            Event("inventory.received", """{"id":"ent_1","name":"BATCH-001","productId":"prod_1"}""", """{"id":"node_rcv"}"""), CancellationToken.None));

        Assert.Contains("'entity.quantity'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(_tracktile.Requests);
        Assert.Empty(_erp.Requests);
    }

    [Fact]
    public async Task HandleAsync_EventWithoutUnit_SendsTheLotsUnitFromTracktile()
    {
        _tracktile = StubHandler.Json(HttpStatusCode.OK, """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":999,"unit":"kg"}""");

        var outcome = await Consumer().HandleAsync(
            Event("inventory.received", """{"id":"ent_1","name":"BATCH-001","productId":"prod_1","quantity":5}""", """{"id":"node_rcv"}"""), CancellationToken.None);

        var movement = PostedMovement();
        Assert.Equal((5m, "kg"), (movement.GetProperty("quantity").GetDecimal(), movement.GetProperty("unit").GetString()));
        Assert.DoesNotContain("  ", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NoUnitAnywhere_PostsWithoutUnitAndOutcomeHasNoDoubleSpace()
    {
        var outcome = await Consumer().HandleAsync(
            Event("inventory.received", """{"id":"ent_gone","name":"BATCH-001","productId":"prod_1","quantity":5}""", """{"id":"node_rcv"}"""), CancellationToken.None);

        Assert.False(PostedMovement().TryGetProperty("unit", out _));
        Assert.Equal("Receipt of 5 lot BATCH-001 (- -> WH1/RECEIVING)", outcome);
    }

    [Fact]
    public async Task HandleAsync_UnconfiguredKind_IsPermanentNamingTheSetting()
    {
        var ex = await Assert.ThrowsAsync<PermanentProcessingException>(() => Consumer().HandleAsync(
            Event("inventory.split", """{"id":"ent_1","name":"B","productId":"p","quantity":1}"""), CancellationToken.None));

        Assert.Contains("Erp:Inventory:Movements:inventory.split", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NoEntity_IsPermanent()
        => await Assert.ThrowsAsync<PermanentProcessingException>(() => Consumer().HandleAsync(
            Event(Encoding.UTF8.GetBytes("""{"id":"e","kind":"inventory.received","time":"2024-01-15T09:00:00Z","node":{"id":"node_rcv"}}""")), CancellationToken.None));
}
