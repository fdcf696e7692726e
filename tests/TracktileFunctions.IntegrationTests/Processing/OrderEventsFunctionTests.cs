using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.Tracktile;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

[Collection(AzuriteCollection.Name)]
public sealed class OrderEventsFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Queue = QueueNames.TracktileOrders;
    private static readonly DateTimeOffset T0 = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunAsync_SameEventDeliveredTenTimes_CreatesOneSalesOrder()
    {
        SeedOrder("ord_1");
        await StartFunctionAsync("OrderEventsFunction");
        var json = OrderEvent("evt_dup", "ord_1", "ready", T0);

        for (var i = 0; i < 10; i++)
        {
            await PostTracktileAsync(json);
        }

        await DrainedAsync(Queue);
        var order = Assert.Single(State.SalesOrders);
        Assert.Equal(("ord_1", "ready"), (order.ExternalId, order.Status));
        Assert.Single(State.CallsTo("POST", "/erp/sales-orders")); // one call, not ten the ERP had to de-duplicate
        Assert.Single(State.CallsTo("GET", "/tracktile/orders/ord_1"));
        Assert.Single(order.StatusHistory);
        Assert.Equal(2, order.Body.GetProperty("lines").GetArrayLength());
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
    }

    [Fact]
    public async Task RunAsync_StatusEventsShuffled_ErpEndsInNewestStatus()
    {
        SeedOrder("ord_2", "completed"); // what Tracktile holds once all four changes happened
        string[] statuses = ["pending", "ready", "inProgress", "completed"];
        var events = statuses.Select((s, i) => OrderEvent($"evt_s{i}", "ord_2", s, T0.AddMinutes(i), previous: i == 0 ? "pending" : statuses[i - 1])).ToList();
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var shuffled = events.OrderBy(_ => random.Next()).ToList();
        Output.WriteLine($"seed {seed}: " + string.Join(", ", shuffled.Select(e => e[7..14])));
        await StartFunctionAsync("OrderEventsFunction");

        foreach (var json in shuffled)
        {
            await PostTracktileAsync(json);
        }

        await DrainedAsync(Queue);
        var order = Assert.Single(State.SalesOrders);
        Assert.Equal("completed", order.Status);
    }

    [Fact]
    public async Task RunAsync_OlderEventAfterNewer_ChangesNothing()
    {
        SeedOrder("ord_3");
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_new", "ord_3", "completed", T0.AddHours(1)));
        await DrainedAsync(Queue);
        await PostTracktileAsync(OrderEvent("evt_old", "ord_3", "ready", T0));
        await DrainedAsync(Queue);

        var order = Assert.Single(State.SalesOrders);
        Assert.Equal("completed", order.Status);
        Assert.Single(order.StatusHistory);
    }

    [Fact]
    public async Task RunAsync_LaterEvent_UpdatesStatusOfSameSalesOrder()
    {
        SeedOrder("ord_4");
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_a", "ord_4", "ready", T0));
        await DrainedAsync(Queue);
        await PostTracktileAsync(OrderEvent("evt_b", "ord_4", "cancelled", T0.AddMinutes(5), previous: "ready"));
        await DrainedAsync(Queue);

        var order = Assert.Single(State.SalesOrders);
        Assert.Equal(["ready", "cancelled"], order.StatusHistory.Select(h => h.Status));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_TwoChangesInOneSecond_ErpEndsInTracktilesCurrentStatus(bool newerFirst)
    {
        // Whole-second times tie, and the ids carry no order (the newer event's id sorts first).
        SeedOrder("ord_tie", "completed");
        await StartFunctionAsync("OrderEventsFunction");
        var ready = OrderEvent("evt_q9", "ord_tie", "ready", T0, previous: "pending");
        var completed = OrderEvent("evt_a1", "ord_tie", "completed", T0, previous: "ready");

        foreach (var json in newerFirst ? new[] { completed, ready } : [ready, completed])
        {
            await PostTracktileAsync(json);
            await DrainedAsync(Queue);
        }

        Assert.Equal("completed", Assert.Single(State.SalesOrders).Status);
    }

    [Fact]
    public async Task RunAsync_EventDoesNotFollowTheLastApplied_AppliesTracktilesCurrentStatus()
    {
        SeedOrder("ord_gap", "completed"); // it has moved on again since: that event is still on its way
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_g1", "ord_gap", "ready", T0));
        await DrainedAsync(Queue);
        // "ready -> inProgress" was lost; a later event says it went from "completed" to "inProgress" (reopened).
        await PostTracktileAsync(OrderEvent("evt_g3", "ord_gap", "inProgress", T0.AddMinutes(9), previous: "completed"));
        await DrainedAsync(Queue);

        var order = Assert.Single(State.SalesOrders);
        Assert.Equal(["ready", "completed"], order.StatusHistory.Select(h => h.Status));
        Assert.Equal(2, State.CallsTo("GET", "/tracktile/orders/ord_gap").Count); // the create, and the settling read
    }

    [Fact]
    public async Task RunAsync_BurstOfConcurrentEventsPerOrder_ExactlyOneCreatePerOrder()
    {
        const int orders = 20;
        string[] statuses = ["pending", "ready", "inProgress", "completed"];
        for (var o = 0; o < orders; o++)
        {
            SeedOrder($"ord_b{o}", "completed");
        }

        var events = Enumerable.Range(0, orders).SelectMany(o => statuses.Select((s, i) =>
            OrderEvent($"evt_b{o}_{i}", $"ord_b{o}", s, T0.AddSeconds(i), previous: i == 0 ? "pending" : statuses[i - 1]))).ToList();
        await Parallel.ForEachAsync(events, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (json, _) => await PostTracktileAsync(json));
        await StartFunctionAsync("OrderEventsFunction"); // 80 events waiting: the extension takes them 16 at a time

        await DrainedAsync(Queue);

        Assert.Equal(orders, State.CallsTo("POST", "/erp/sales-orders").Count); // one create each, none left to the ERP's idempotency
        Assert.Equal(orders, State.SalesOrders.Count);
        Assert.All(State.SalesOrders, o => Assert.Equal("completed", o.Status));
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
    }

    [Fact]
    public async Task RunAsync_ErpFailsTwiceThenSucceeds_OneSalesOrder()
    {
        SeedOrder("ord_5");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 500, times: 2));
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_500", "ord_5", "ready", T0));
        await DrainedAsync(Queue);

        Assert.Single(State.SalesOrders);
        Assert.Equal(3, State.CallsTo("POST", "/erp/sales-orders").Count);
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
    }

    [Fact]
    public async Task RunAsync_ErpRefuses400_PoisonedAtOnceWithReason()
    {
        SeedOrder("ord_6");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 400, times: null, errorCode: "invalid_customer", message: "customer cus_1 is blocked"));
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_400", "ord_6", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");
        await DrainedAsync(Queue);

        Assert.Single(State.CallsTo("POST", "/erp/sales-orders")); // no HTTP retries, no queue retries
        Assert.Empty(State.SalesOrders);
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Equal("evt_400", failure.GetString("EventId"));
        Assert.True(failure.GetBoolean("Poisoned"));
        Assert.Contains("400", failure.GetString("Reason"), StringComparison.Ordinal);
        Assert.Contains("customer cus_1 is blocked", failure.GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayFunction_AfterCauseIsFixed_PoisonedEventCreatesTheSalesOrder()
    {
        SeedOrder("ord_9");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 422, times: null, errorCode: "unknown_customer"));
        await StartFunctionAsync("OrderEventsFunction");
        await PostTracktileAsync(OrderEvent("evt_replay", "ord_9", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");

        State.ClearFaults(); // the customer is created in the ERP
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var replay = ActivatorUtilities.CreateInstance<ReplayPoisonFunction>(App);
        var reply = Assert.IsType<ContentResult>(await replay.RunAsync(context.Request, Queue, CancellationToken.None));

        Assert.Equal((200, """{"queue":"tracktile-orders","moved":1,"notFound":[]}"""), (reply.StatusCode, reply.Content));
        await Eventually.UntilAsync(() => State.SalesOrders.Count == 1, Timeout, "the replayed event creates the order");
        await DrainedAsync(Queue);
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
    }

    [Fact]
    public async Task ReplayFunction_CauseNotFixedAndItFailsAgainAtOnce_MovedOnceNotRoundAndRound()
    {
        SeedOrder("ord_10");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 422, times: null, errorCode: "unknown_customer"));
        await StartFunctionAsync("OrderEventsFunction");
        await PostTracktileAsync(OrderEvent("evt_again", "ord_10", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");
        State.AddFault(FaultRule.Latency("GET", "/tracktile/orders/ord_10", TimeSpan.Zero, times: null)); // nothing fixed

        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ReplayPoisonFunction>(App)
            .RunAsync(new Microsoft.AspNetCore.Http.DefaultHttpContext().Request, Queue, CancellationToken.None));

        Assert.Equal("""{"queue":"tracktile-orders","moved":1,"notFound":[]}""", reply.Content);
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "it is poisoned again");
        await DrainedAsync(Queue);
        Assert.Equal(2, State.CallsTo("POST", "/erp/sales-orders").Count);
    }

    [Fact]
    public async Task ReplayFunction_MessageThatIsNotBase64_MovedAsItIsWithTheOthers()
    {
        var raw = Azurite.Queue(Queue + "-poison", Azure.Storage.Queues.QueueMessageEncoding.None);
        await raw.CreateIfNotExistsAsync();
        await raw.SendMessageAsync("{\"not\":\"base64\"}");
        await Azurite.Queue(Queue + "-poison").SendMessageAsync(OrderEvent("evt_raw", "ord_x", "ready", T0));

        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ReplayPoisonFunction>(App)
            .RunAsync(new Microsoft.AspNetCore.Http.DefaultHttpContext().Request, Queue, CancellationToken.None));

        Assert.Equal(200, reply.StatusCode);
        Assert.Equal(0, await Azurite.MessageCountAsync(Queue + "-poison"));
        var moved = await Azurite.PeekAllAsync(Queue, Azure.Storage.Queues.QueueMessageEncoding.None);
        Assert.Contains("{\"not\":\"base64\"}", moved);
        Assert.Contains(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(OrderEvent("evt_raw", "ord_x", "ready", T0))), moved);
    }

    [Theory]
    [InlineData("tracktile-orders-poison", 400)]
    [InlineData("Not_A_Queue", 400)]
    [InlineData("tracktile-nothing", 404)]
    public async Task ReplayFunction_BadQueue_AnswersClearly(string queue, int status)
    {
        var reply = Assert.IsType<ContentResult>(await ActivatorUtilities.CreateInstance<ReplayPoisonFunction>(App)
            .RunAsync(new Microsoft.AspNetCore.Http.DefaultHttpContext().Request, queue, CancellationToken.None));

        Assert.Equal(status, reply.StatusCode);
    }

    [Fact]
    public async Task RunAsync_ErpAnswers429WithRetryAfter_WaitsAndSucceeds()
    {
        SeedOrder("ord_7");
        State.AddFault(FaultRule.RateLimit("POST", "/erp/sales-orders", TimeSpan.FromSeconds(1), times: 1));
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_429", "ord_7", "ready", T0));
        await DrainedAsync(Queue);

        Assert.Single(State.SalesOrders);
        var calls = State.CallsTo("POST", "/erp/sales-orders");
        Assert.Equal([429, 201], calls.Select(c => c.StatusCode));
        Assert.True(calls[1].Time - calls[0].Time >= TimeSpan.FromSeconds(0.9), $"waited {calls[1].Time - calls[0].Time}");
    }

    [Fact]
    public async Task RunAsync_OrderNotInTracktile_PoisonedWithReason()
    {
        await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_404", "ord_missing", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, Timeout, "the event is poisoned");

        Assert.Empty(State.SalesOrders);
        Assert.Single(State.CallsTo("GET", "/tracktile/orders/ord_missing"));
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Contains("404", failure.GetString("Reason"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ErpDownEveryTime_RetriedThenPoisonedByTheQueue()
    {
        SeedOrder("ord_8");
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 503, times: null));
        var host = await StartFunctionAsync("OrderEventsFunction");

        await PostTracktileAsync(OrderEvent("evt_503", "ord_8", "ready", T0));
        await Eventually.UntilAsync(async () => await Azurite.MessageCountAsync(Queue + "-poison") == 1, TimeSpan.FromSeconds(60), "the queue poisons it");

        var attempts = host.QueueOptions.MaxDequeueCount * (1 + 3); // each dequeue: one call and 3 resilience retries
        Assert.Equal(attempts, State.CallsTo("POST", "/erp/sales-orders").Count);
        var failure = Assert.Single(await FailuresAsync(Queue));
        Assert.Equal(host.QueueOptions.MaxDequeueCount, failure.GetInt64("Attempt"));
        Assert.True(failure.GetBoolean("Poisoned"));
        Assert.StartsWith($"gave up after {host.QueueOptions.MaxDequeueCount} attempts", failure.GetString("Reason"), StringComparison.Ordinal);
    }
}
