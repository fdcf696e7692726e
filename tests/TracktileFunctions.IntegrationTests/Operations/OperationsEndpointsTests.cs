using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Processing;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Operations;

/// <summary>
/// The operator's endpoints on real parts: status depths after known enqueues, a failure poisoned by the sandbox ERP's
/// 400 listed with its reason, replay by event id that succeeds exactly once, and health when storage is up or down.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OperationsEndpointsTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Orders = QueueNames.TracktileOrders;
    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task StatusFunction_AfterKnownEnqueues_ReportsEachQueuesDepthAndOldestAge()
    {
        var shipments = Azurite.Queue(QueueNames.TracktileShipments);
        await shipments.CreateIfNotExistsAsync();
        for (var i = 0; i < 3; i++)
        {
            await shipments.SendMessageAsync("{}");
        }

        var poison = Azurite.Queue(FailureLog.PoisonQueueName(Orders));
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync("{}");
        await poison.SendMessageAsync("{}");

        var status = await GetJsonAsync<StatusFunction>((f, r) => f.RunAsync(r, CancellationToken.None));

        var queues = status.GetProperty("queues").EnumerateArray().ToDictionary(q => q.GetProperty("name").GetString()!);
        Assert.Equal(3, queues[QueueNames.TracktileShipments].GetProperty("depth").GetInt32());
        Assert.True(queues[QueueNames.TracktileShipments].GetProperty("oldestAgeSeconds").GetDouble() >= 0);
        Assert.Equal(0, queues[QueueNames.TracktileShipments].GetProperty("poisonDepth").GetInt32());
        Assert.Equal(0, queues[Orders].GetProperty("depth").GetInt32());
        Assert.Equal(JsonValueKind.Null, queues[Orders].GetProperty("oldestAgeSeconds").ValueKind);
        Assert.Equal(2, queues[Orders].GetProperty("poisonDepth").GetInt32());
        Assert.Equal(JsonValueKind.Null, queues[QueueNames.TracktileUnrouted].GetProperty("poisonDepth").ValueKind); // kept for a person, no poison queue
        Assert.DoesNotContain(queues.Keys, k => k.EndsWith("-poison", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Null, status.GetProperty("productBatch").GetProperty("watermark").ValueKind);
    }

    [Fact]
    public async Task FailuresFunction_ErpAnswers400_ListsThePoisonedEventWithItsReasonAndAPreview()
    {
        SeedOrder("ord_f1");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 400, times: null, errorCode: "invalid_customer"));
        await StartFunctionAsync("OrderEventsFunction");
        await PostTracktileAsync(OrderEvent("evt_fail_1", "ord_f1", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Orders)) == 1, Timeout, "the event is poisoned");

        var all = await GetJsonAsync<FailuresFunction>((f, r) => f.RunAsync(r, null, CancellationToken.None));
        var one = await GetJsonAsync<FailuresFunction>((f, r) => f.RunAsync(r, Orders, CancellationToken.None));

        foreach (var listing in new[] { all, one })
        {
            var failure = Assert.Single(listing.GetProperty("failures").EnumerateArray());
            Assert.Equal((Orders, "evt_fail_1", "order.status.changed"),
                (failure.GetProperty("queue").GetString(), failure.GetProperty("eventId").GetString(), failure.GetProperty("kind").GetString()));
            Assert.Contains("400", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, failure.GetProperty("attempts").GetInt64());
            Assert.True(failure.GetProperty("firstSeenAt").GetDateTimeOffset() <= failure.GetProperty("lastSeenAt").GetDateTimeOffset());
            var preview = failure.GetProperty("preview").GetString()!;
            Assert.Contains("ord_f1", preview, StringComparison.Ordinal);
            Assert.True(preview.Length <= PoisonPreview.MaxChars + 1);
        }
    }

    [Fact]
    public async Task FailuresFunction_QueueThatIsNotTheApps_Answers404()
    {
        var reply = await InvokeAsync<FailuresFunction>((f, r) => f.RunAsync(r, "tracktile-orders-poison", CancellationToken.None));

        Assert.Equal(404, reply.StatusCode);
    }

    [Fact]
    public async Task ReplayFunction_ChosenEventIdAfterFaultRemoved_MovesOnlyThatEventWhichSucceedsExactlyOnce()
    {
        SeedOrder("ord_r1");
        SeedOrder("ord_r2");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 400, times: null, errorCode: "invalid_customer"));
        await StartFunctionAsync("OrderEventsFunction");
        await PostTracktileAsync(OrderEvent("evt_r1", "ord_r1", "ready", T0));
        await PostTracktileAsync(OrderEvent("evt_r2", "ord_r2", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Orders)) == 2, Timeout, "both events are poisoned");
        State.ClearFaults();

        var replay = await ReplayAsync("""{"eventIds":["evt_r1","evt_missing"]}""");

        Assert.Equal(200, replay.StatusCode);
        Assert.Equal("""{"queue":"tracktile-orders","moved":1,"notFound":["evt_missing"]}""", replay.Content);
        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, Timeout, "the replayed event creates its order");
        await DrainedAsync(Orders);
        Assert.Equal("ord_r1", Assert.Single(State.SalesOrders).ExternalId);
        Assert.Equal(1, await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Orders))); // evt_r2 still waits, visible at once
        var left = await GetJsonAsync<FailuresFunction>((f, r) => f.RunAsync(r, Orders, CancellationToken.None));
        Assert.Equal("evt_r2", Assert.Single(left.GetProperty("failures").EnumerateArray()).GetProperty("eventId").GetString());

        // The same event replayed again (a copy put back in poison, as a second click would after a retry): the ledger holds.
        var again = await ReplayAsync("""{"eventIds":["evt_r1"]}""");
        Assert.Equal("""{"queue":"tracktile-orders","moved":0,"notFound":["evt_r1"]}""", again.Content);
        await Azurite.Queue(FailureLog.PoisonQueueName(Orders)).SendMessageAsync(OrderEventMessage("evt_r1", "ord_r1"));
        Assert.Equal("""{"queue":"tracktile-orders","moved":1,"notFound":[]}""", (await ReplayAsync("""{"eventIds":["evt_r1"]}""")).Content);
        await DrainedAsync(Orders);
        Assert.Single(State.CallsTo("POST", "/erp/sales-orders"), c => c.StatusCode is >= 200 and < 300);
        Assert.Single(State.SalesOrders, o => o.ExternalId == "ord_r1");
    }

    [Theory]
    [InlineData("""{"eventIds":[]}""")]
    [InlineData("""{"eventIds":[""]}""")]
    [InlineData("""["evt_1"]""")]
    [InlineData("not json")]
    public async Task ReplayFunction_BadBody_Answers400AndMovesNothing(string body)
    {
        var poison = Azurite.Queue(FailureLog.PoisonQueueName(Orders));
        await poison.CreateIfNotExistsAsync();
        await poison.SendMessageAsync(OrderEventMessage("evt_kept", "ord_k"));

        var reply = await ReplayAsync(body);

        Assert.Equal(400, reply.StatusCode);
        Assert.Equal(1, await Azurite.MessageCountAsync(FailureLog.PoisonQueueName(Orders)));
    }

    [Fact]
    public async Task HealthFunction_StorageUp_Answers200WithEveryCheck()
    {
        var reply = await InvokeAsync<HealthFunction>((f, r) => f.RunAsync(r, CancellationToken.None));

        Assert.Equal(200, reply.StatusCode);
        using var json = JsonDocument.Parse(reply.Content!);
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(["storage:queues", "storage:tables", "storage:blobs", "settings"],
            json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task HealthFunction_AzuriteStopped_Answers503NamingStorageAndNothingSecret()
    {
        var down = new AzuriteFixture();
        await down.InitializeAsync();
        await using var app = TestApp.Build(down.ConnectionString, Output);
        await down.StopAsync();

        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<HealthFunction>(app).RunAsync(new DefaultHttpContext().Request, CancellationToken.None));

        Assert.Equal(503, reply.StatusCode);
        using var json = JsonDocument.Parse(reply.Content!);
        Assert.Equal("unhealthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(["storage:queues", "storage:tables", "storage:blobs"], json.RootElement.GetProperty("failing").EnumerateArray().Select(f => f.GetString()));
        Assert.DoesNotContain(AzuriteFixture.AccountKey, reply.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", reply.Content, StringComparison.Ordinal);
        await down.DisposeAsync();
    }

    private static string OrderEventMessage(string eventId, string orderId)
        => Encoding.UTF8.GetString(Messaging.EventMessageCodec.EncodeInline(
            "tracktile", new Messaging.EventEnvelope(eventId, "order.status.changed", T0), T0,
            Encoding.UTF8.GetBytes(OrderEvent(eventId, orderId, "ready", T0))).Span);

    private Task<ContentResult> ReplayAsync(string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return InvokeAsync<ReplayPoisonFunction>((f, _) => f.RunAsync(context.Request, Orders, CancellationToken.None));
    }

    private async Task<ContentResult> InvokeAsync<TFunction>(Func<TFunction, HttpRequest, Task<IActionResult>> run)
        => Assert.IsType<ContentResult>(await run(ActivatorUtilities.CreateInstance<TFunction>(App), new DefaultHttpContext().Request));

    private async Task<JsonElement> GetJsonAsync<TFunction>(Func<TFunction, HttpRequest, Task<IActionResult>> run)
    {
        var reply = await InvokeAsync(run);
        Assert.Equal(200, reply.StatusCode);
        Assert.StartsWith("application/json", reply.ContentType, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(reply.Content!);
        return json.RootElement.Clone();
    }
}
