using System.Diagnostics;
using System.Net;
using System.Text.Json;
using TracktileFunctions.Sandbox.Faults;

namespace TracktileFunctions.SandboxTests;

public sealed class FaultInjectionTests : SandboxTestBase
{
    [Fact]
    public async Task CreateSalesOrder_ErrorFaultTwiceThenSuccess_OnlyThirdAttemptTakesEffect()
    {
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 500, times: 2));

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var response = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "tracktile-order-ord_1");
            statuses.Add(response.StatusCode);
            if (attempt == 0)
            {
                Assert.Equal("sandbox_fault", (await ReadJsonAsync(response)).GetProperty("code").GetString());
                Assert.Empty(State.SalesOrders);
            }
        }

        Assert.Equal([HttpStatusCode.InternalServerError, HttpStatusCode.InternalServerError, HttpStatusCode.Created], statuses);
        Assert.Equal("SO-1", Assert.Single(State.SalesOrders).Id);
        Assert.Equal([FaultKind.Error, FaultKind.Error, null], State.Calls.Select(c => c.Fault));
        Assert.Empty(State.Faults);
    }

    [Fact]
    public async Task CreateSalesOrder_LostAnswer_TakesEffectButTheClientGetsNoAnswer()
    {
        State.AddFault(FaultRule.LostAnswer("POST", "/erp/sales-orders", TimeSpan.FromMilliseconds(200)));

        await Assert.ThrowsAsync<HttpRequestException>(() => SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "tracktile-order-ord_1"));

        Assert.Equal("SO-1", Assert.Single(State.SalesOrders).Id);
        Assert.Equal(FaultKind.LostAnswer, Assert.Single(State.Calls).Fault);
    }

    [Fact]
    public async Task CreateSalesOrder_FaultAfterTwo_ThirdRequestFailsOthersPass()
    {
        State.AddFault(FaultRule.Error("POST", "/erp/sales-orders", 500, times: 1) with { After = 2 });

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var response = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson($"ord_{attempt}"), $"key-{attempt}");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.InternalServerError, HttpStatusCode.Created], statuses);
        Assert.Empty(State.Faults);
    }

    [Fact]
    public async Task Request_BadRequestFault_Answers400WithGivenCodeAndMessage()
    {
        State.AddFault(FaultRule.Error("PUT", "/erp/products", 400, errorCode: "sku_taken", message: "SKU already exists."));

        using var response = await SendErpAsync(HttpMethod.Put, "products/prod_1", """{ "externalId": "prod_1" }""", "k");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await ReadJsonAsync(response);
        Assert.Equal(("sku_taken", "SKU already exists."), (body.GetProperty("code").GetString(), body.GetProperty("message").GetString()));
        Assert.Empty(State.ErpProducts);
    }

    [Fact]
    public async Task Request_RateLimitFault_Answers429WithRetryAfterAndNoEffect()
    {
        State.AddFault(FaultRule.RateLimit("POST", "/erp/stock-movements", TimeSpan.FromSeconds(7)));
        var receipt = MovementJson("receipt", 120, null, "WH1/RECEIVING");

        using var limited = await SendErpAsync(HttpMethod.Post, "stock-movements", receipt, "tracktile-inventory-evt_1");
        Assert.Empty(State.StockMovements);
        using var retried = await SendErpAsync(HttpMethod.Post, "stock-movements", receipt, "tracktile-inventory-evt_1");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), limited.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(120m, State.LotTotal("prod_1", "BATCH-001"));
    }

    [Fact]
    public async Task Request_MalformedFault_AnswersSuccessStatusWithBodyThatIsNotJson()
    {
        State.AddFault(FaultRule.Malformed("POST", "/erp/sales-orders", statusCode: 201));

        using var response = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "tracktile-order-ord_1");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
        Assert.Empty(State.SalesOrders);
    }

    [Fact]
    public async Task Request_FaultForOtherMethod_NotApplied()
    {
        State.AddFault(FaultRule.Error("PATCH", "/erp/sales-orders", 500, times: null));

        using var response = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "k");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Null(Assert.Single(State.Faults).Remaining);
    }

    [Fact]
    public async Task Request_TimeoutFault_ClientGivesUpAndCallIsRecordedAbortedWithoutEffect()
    {
        State.AddFault(FaultRule.Timeout("POST", "/erp/sales-orders", TimeSpan.FromMinutes(1)));
        // Long enough for the request to arrive on a loaded machine (a shorter wait could give up before it is sent, and
        // then nothing is recorded), far shorter than the fault's minute.
        using var impatient = new HttpClient { BaseAddress = Server.ErpBaseAddress, Timeout = TimeSpan.FromSeconds(3) };

        await Assert.ThrowsAsync<TaskCanceledException>(
            () => SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "k", impatient));

        var call = await EventuallyAsync(() => State.Calls.SingleOrDefault());
        Assert.True(call.Aborted);
        Assert.Equal(FaultKind.Timeout, call.Fault);
        Assert.Empty(State.SalesOrders);
    }

    [Fact]
    public async Task Request_LatencyFault_DelaysThenTakesEffect()
    {
        State.AddFault(FaultRule.Latency("POST", "/erp/sales-orders", TimeSpan.FromMilliseconds(300)));
        var clock = Stopwatch.StartNew();

        using var response = await SendErpAsync(HttpMethod.Post, "sales-orders", SalesOrderJson("ord_1"), "k");

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Single(State.SalesOrders);
    }

    [Fact]
    public async Task Request_StateLatency_DelaysEveryAnswer()
    {
        State.Latency = TimeSpan.FromMilliseconds(300);
        var clock = Stopwatch.StartNew();

        using var response = await Tracktile.GetAsync("products");

        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void AddFault_TimesZero_Throws()
        => Assert.Throws<ArgumentException>(() => State.AddFault(FaultRule.Error("POST", "/erp", times: 0)));

    /// <summary>Polls until <paramref name="probe"/> gives a value: the server notices an abort a moment after the client.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (probe() is { } value)
            {
                return value;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The condition was not met within 10 s.");
    }
}
