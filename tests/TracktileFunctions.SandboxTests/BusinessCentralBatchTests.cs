using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Faults;

namespace TracktileFunctions.SandboxTests;

/// <summary>The fake Business Central's OData JSON batch, <c>POST {api root}/$batch</c>.</summary>
public sealed class BusinessCentralBatchTests : BusinessCentralTestBase
{
    private const string ApiRoot = "/bc/v2.0/" + Tenant + "/production/api/v2.0/";
    private const string BatchPath = ApiRoot + "$batch";
    private const string InventoryBatchPath = "/bc/v2.0/" + Tenant + "/production/api/tracktile/inventory/v1.0/$batch";

    private string ItemsPath => ApiRoot + Company + "/items";

    // ---- operations and their answers ----------------------------------------------------------------------

    [Fact]
    public async Task Batch_MixedGetPostPatch_AnswersEachOperationInOrderInOne200()
    {
        using var bc = await BcClientAsync();
        var flour = State.SeedBcItem("1000", "Flour");
        var etag = Assert.Single(State.BcItems).ETag;

        using var response = await BatchAsync(bc,
            Op("get", "GET", $"{Company}/items?$filter=number eq '1000'"),
            PostItem("post", "sugar-1", "Sugar"),
            Op("patch", "PATCH", $"{Company}/items({flour})", """{ "displayName": "Rye flour" }""", etag));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answers = await AnswersAsync(response);
        Assert.Equal(["get", "post", "patch"], answers.Select(a => a.GetProperty("id").GetString()));
        Assert.Equal([200, 201, 200], Statuses(answers));
        Assert.Equal("1000", Assert.Single(answers[0].GetProperty("body").GetProperty("value").EnumerateArray()).GetProperty("number").GetString());
        var created = answers[1].GetProperty("body");
        Assert.Equal("SUGAR-1", created.GetProperty("number").GetString());
        Assert.EndsWith($"{Company}/items({created.GetProperty("id").GetGuid()})", answers[1].GetProperty("headers").GetProperty("location").GetString(),
            StringComparison.Ordinal);
        Assert.Equal(created.GetProperty("@odata.etag").GetString(), answers[1].GetProperty("headers").GetProperty("etag").GetString());
        Assert.Equal("Rye flour", answers[2].GetProperty("body").GetProperty("displayName").GetString());
        Assert.NotEqual(etag, answers[2].GetProperty("headers").GetProperty("etag").GetString());
        Assert.Equal(["Rye flour", "Sugar"], State.BcItems.Select(i => i.DisplayName));

        // One request on the wire; its operations are recorded beside it.
        var call = Assert.Single(State.Calls, c => c.Path.StartsWith("/bc/", StringComparison.Ordinal));
        Assert.Equal(("POST", BatchPath, 200), (call.Method, call.Path, call.StatusCode));
        var operations = State.BcBatchOperations;
        Assert.Equal(["GET", "POST", "PATCH"], operations.Select(o => o.Method));
        Assert.Equal([200, 201, 200], operations.Select(o => o.StatusCode));
        Assert.All(operations, o => Assert.Equal(1, o.Batch));
        Assert.Equal(ItemsPath, operations[0].Path);
        Assert.Equal("?$filter=number%20eq%20'1000'", operations[0].Query);
        Assert.Equal(etag, operations[2].Headers["If-Match"]);
        Assert.Single(State.BcBatchOperationsTo("PATCH", ItemsPath));
    }

    [Fact]
    public async Task Batch_StaleIfMatch_Answers409ForThatOperationAndStopsThere()
    {
        using var bc = await BcClientAsync();
        var flour = State.SeedBcItem("1000", "Flour");
        var stale = Assert.Single(State.BcItems).ETag;
        State.EditBcItem(flour, i => i with { UnitPrice = 3 });

        using var response = await BatchAsync(bc,
            PostItem("1", "2000", "Sugar"),
            Op("2", "PATCH", $"{Company}/items({flour})", """{ "displayName": "Rye flour" }""", stale),
            PostItem("3", "3000", "Salt"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = await AnswersAsync(response);
        Assert.Equal([201, 409], Statuses(answers));
        AssertBcError(answers[1], "Request_EntityChanged", "Another user has already changed the record.");
        Assert.Equal(["1000", "2000"], State.BcItems.Select(i => i.Number));
        Assert.Equal("Flour", State.BcItems[0].DisplayName);
        Assert.Equal([201, 409, null], State.BcBatchOperations.Select(o => o.StatusCode));
        Assert.False(response.Headers.Contains("Preference-Applied"));
    }

    [Fact]
    public async Task Batch_ContinueOnError_RunsEveryOperationAndAnswersEach()
    {
        using var bc = await BcClientAsync();
        var flour = State.SeedBcItem("1000", "Flour");

        using var response = await BatchAsync(bc, [("Prefer", "odata.continue-on-error")],
            PostItem("1", "2000", "Sugar"),
            Op("2", "PATCH", $"{Company}/items({flour})", """{ "displayName": "Rye flour" }"""),
            PostItem("3", "1000", "Flour again"),
            PostItem("4", "3000", "Salt"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("odata.continue-on-error", response.Headers.GetValues("Preference-Applied").Single());
        var answers = await AnswersAsync(response);
        Assert.Equal([201, 400, 400, 201], Statuses(answers));
        AssertBcError(answers[1], "BadRequest_InvalidToken");
        AssertBcError(answers[2], "Internal_EntityWithSameKeyExists");
        Assert.Equal(["1000", "2000", "3000"], State.BcItems.Select(i => i.Number));
    }

    [Fact]
    public async Task Batch_DependsOnFailedOperation_Answers424AndSkipsIt()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, [("Prefer", "odata.continue-on-error")],
            Op("customer", "POST", $"{Company}/customers", """{ "number": "C1", "displayName": "Acme", "blocked": "Sometimes" }"""),
            Op("order", "POST", $"{Company}/salesOrders", """{ "customerNumber": "C1" }""", dependsOn: "customer"),
            PostItem("item", "1000", "Flour"));

        var answers = await AnswersAsync(response);
        Assert.Equal([400, 424, 201], Statuses(answers));
        Assert.Empty(State.BcSalesOrders);
        Assert.Single(State.BcItems);
    }

    [Fact]
    public async Task Batch_IsolationSnapshotWithFailingOperation_UndoesEveryChangeOfTheBatch()
    {
        using var bc = await BcClientAsync();
        var flour = State.SeedBcItem("1000", "Flour");
        var etag = Assert.Single(State.BcItems).ETag;

        using var response = await BatchAsync(bc, [("Isolation", "snapshot")],
            Op("1", "PATCH", $"{Company}/items({flour})", """{ "displayName": "Rye flour" }""", "*"),
            PostItem("2", "2000", "Sugar"),
            Op("3", "POST", $"{Company}/items", """{ "number": "3000", "displayName": "Salt", "inventory": 5 }"""),
            PostItem("4", "4000", "Yeast"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = await AnswersAsync(response);
        Assert.Equal([200, 201, 400], Statuses(answers));
        AssertBcError(answers[2], "Application_DialogException");
        var item = Assert.Single(State.BcItems);
        Assert.Equal(("Flour", etag), (item.DisplayName, item.ETag));
        Assert.Equal([true, true, true, false], State.BcBatchOperations.Select(o => o.RolledBack));
    }

    [Fact]
    public async Task Batch_IsolationSnapshotWithFailingOperation_LeavesNoWebhookNotification()
    {
        var (receiver, url) = await LoopbackServer.StartAsync(app => app.Map("/bc-hook",
            (HttpRequest request) => Results.Text(request.Query["validationToken"].ToString(), "text/plain")));
        await using var _ = receiver;
        using var bc = await BcClientAsync();
        var subscription = new JsonObject
        {
            ["notificationUrl"] = url + "/bc-hook",
            ["resource"] = $"/api/v2.0/{Company}/items",
            ["clientState"] = "state",
        };
        using var subscribed = await bc.PostAsync("subscriptions", new StringContent(subscription.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, subscribed.StatusCode);

        using var failed = await BatchAsync(bc, [("Isolation", "snapshot")],
            PostItem("1", "2000", "Sugar"),
            PostItem("2", "2000", "Sugar again"));
        var pendingAfterRollback = State.BcPendingNotifications.Count;
        using var kept = await BatchAsync(bc, PostItem("1", "2000", "Sugar"));

        Assert.Equal(0, pendingAfterRollback);
        Assert.Equal("created", Assert.Single(State.BcPendingNotifications).ChangeType);
        Assert.Equal("Sugar", Assert.Single(State.BcItems).DisplayName);
    }

    [Fact]
    public async Task Batch_IsolationSnapshotAllSucceed_KeepsEveryChange()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, [("Isolation", "snapshot")],
            PostItem("1", "2000", "Sugar"),
            PostItem("2", "3000", "Salt"));

        var answers = await AnswersAsync(response);
        Assert.Equal([201, 201], Statuses(answers));
        Assert.Equal(2, State.BcItems.Count);
        Assert.All(State.BcBatchOperations, o => Assert.False(o.RolledBack));
    }

    [Fact]
    public async Task Batch_OperationWithoutId_AnswersIdNull()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, Op(null, "get", "companies"));

        var answer = Assert.Single(await AnswersAsync(response));
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("id").ValueKind);
        Assert.Equal(200, answer.GetProperty("status").GetInt32());
        Assert.Equal("GET", Assert.Single(State.BcBatchOperations).Method);
    }

    [Fact]
    public async Task Batch_UrlWithLeadingSlash_Answers404ForThatOperation()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, Op("1", "GET", "/companies"));

        var answer = Assert.Single(await AnswersAsync(response));
        Assert.Equal(404, answer.GetProperty("status").GetInt32());
        AssertBcError(answer, "BadRequest_NotFound");
        Assert.Contains($"'{Server.BaseAddress}companies'", answer.GetProperty("body").GetProperty("error").GetProperty("message").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_WithoutAcceptJson_AnswersMultipartMixed()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, [], acceptJson: false,
            PostItem("1", "2000", "Sugar"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("multipart/mixed", response.Content.Headers.ContentType?.MediaType);
        var boundary = response.Content.Headers.ContentType!.Parameters.Single(p => p.Name == "boundary").Value;
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith($"--{boundary}\r\nContent-Type: application/http\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nHTTP/1.1 201 Created\r\n", text, StringComparison.Ordinal);
        Assert.EndsWith($"--{boundary}--\r\n", text, StringComparison.Ordinal);
        Assert.Single(State.BcItems);
    }

    [Fact]
    public async Task Batch_HundredOperations_RunsThemAll()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, CreateItems(100));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answers = await AnswersAsync(response);
        Assert.Equal(100, answers.Count);
        Assert.All(answers, a => Assert.Equal(201, a.GetProperty("status").GetInt32()));
        Assert.Equal(100, State.BcItems.Count);
    }

    // ---- the envelope ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Batch_MoreThan100Operations_Answers400AndRunsNone()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc, CreateItems(101));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("Unknown", error.GetProperty("code").GetString());
        Assert.StartsWith("The current batch message contains too many parts. A maximum number of '100' query operations and change sets are allowed in a batch message.",
            error.GetProperty("message").GetString(), StringComparison.Ordinal);
        AssertRanNothing();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""[ { "method": "GET", "url": "companies" } ]""")]
    [InlineData("""{ "requests": { "method": "GET", "url": "companies" } }""")]
    [InlineData("""{ "requests": [ { "url": "companies" } ] }""")]
    [InlineData("""{ "requests": [ { "method": "GET" } ] }""")]
    [InlineData("""{ "requests": [ { "method": "GET", "url": "companies", "headers": "If-Match: *" } ] }""")]
    [InlineData("""{ "requests": [ { "id": "1", "method": "GET", "url": "companies" }, { "id": "1", "method": "GET", "url": "companies" } ] }""")]
    [InlineData("""{ "requests": [ { "id": "1", "method": "GET", "url": "companies", "dependsOn": [ "2" ] }, { "id": "2", "method": "GET", "url": "companies" } ] }""")]
    public async Task Batch_MalformedBody_Answers400BadRequestAndRunsNothing(string json)
    {
        using var bc = await BcClientAsync();

        using var response = await PostBatchAsync(bc, json, "application/json", acceptJson: true, []);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", await ErrorCodeAsync(response));
        Assert.Empty(State.BcBatchOperations);
    }

    [Fact]
    public async Task Batch_MultipartRequestBody_Answers400()
    {
        using var bc = await BcClientAsync();

        using var response = await PostBatchAsync(bc, "--b\r\nContent-Type: application/http\r\n\r\nGET companies HTTP/1.1\r\n\r\n--b--\r\n",
            "multipart/mixed; boundary=b", acceptJson: true, []);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Batch_AtomicityGroupOfTwoRequests_Answers500AndRunsNone()
    {
        using var bc = await BcClientAsync();

        using var response = await BatchAsync(bc,
            PostItem("1", "2000", "Sugar", atomicityGroup: "g1"),
            PostItem("2", "3000", "Salt", atomicityGroup: "g1"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("Multiple requests within the same change set are not supported by Microsoft Dynamics 365 Business Central OData web services.",
            (await ReadJsonAsync(response)).GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(State.BcItems);
    }

    [Fact]
    public async Task Batch_OtherMethodOrUnknownApi_AnswersTheBatch()
    {
        using var bc = await BcClientAsync();

        using var get = await bc.GetAsync("$batch");
        using var extension = await PostBatchAsync(bc, """{ "requests": [] }""", "application/json", acceptJson: true, [], InventoryBatchPath);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, extension.StatusCode);
    }

    [Fact]
    public async Task Batch_CustomApiRoot_RunsOperationsOfThatApi()
    {
        using var bc = await BcClientAsync();
        State.EnableBcLotJournal();
        State.SeedBcItem("FLOUR-25", "Flour 25 kg");

        using var response = await PostBatchAsync(bc,
            Envelope(Op("1", "POST", $"{Company}/itemJournalLines",
                """{ "documentNumber": "ADJ-1", "itemNumber": "FLOUR-25", "lotNumber": "LOT-1", "locationCode": "MAIN", "quantity": 4 }""")),
            "application/json", acceptJson: true, [], InventoryBatchPath);

        var answer = Assert.Single(await AnswersAsync(response));
        Assert.Equal(201, answer.GetProperty("status").GetInt32());
        Assert.Equal("LOT-1", Assert.Single(State.BcLotJournalLines).LotNumber);
    }

    // ---- authentication, throttling and faults apply to the batch as one request ---------------------------

    [Fact]
    public async Task Batch_WithoutAuthorization_Answers401ForTheWholeBatch()
    {
        using var bc = new HttpClient { BaseAddress = new Uri(Server.BaseAddress, ApiRoot) };

        using var response = await BatchAsync(bc, PostItem("1", "2000", "Sugar"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("Authentication_InvalidCredentials", await ErrorCodeAsync(response));
        AssertRanNothing();
        Assert.Equal(401, Assert.Single(State.CallsTo("POST", BatchPath)).StatusCode);
    }

    [Fact]
    public async Task Batch_ManyOperations_HoldOneConcurrencySlotSoAnotherRequestIs429()
    {
        using var bc = await BcClientAsync();
        AllowOneSlowRequestAtATime();

        var batch = BatchAsync(bc, CreateItems(20));
        await WaitUntilAsync(() => State.BcMaxObservedInFlight == 1);
        using var other = await bc.GetAsync("companies");
        using var response = await batch;

        Assert.Equal(HttpStatusCode.TooManyRequests, other.StatusCode);
        Assert.Equal("Application_TooManyRequests", await ErrorCodeAsync(other));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(await AnswersAsync(response), a => Assert.Equal(201, a.GetProperty("status").GetInt32()));
        Assert.Equal(20, State.BcItems.Count);
        Assert.Equal(1, State.BcMaxObservedInFlight);
    }

    [Fact]
    public async Task Batch_WhileTheCredentialsSlotsAreTaken_WholeBatchIs429AndRunsNothing()
    {
        using var bc = await BcClientAsync();
        AllowOneSlowRequestAtATime();

        var busy = bc.GetAsync("companies");
        await WaitUntilAsync(() => State.BcMaxObservedInFlight == 1);
        using var response = await BatchAsync(bc, PostItem("1", "2000", "Sugar"));
        using var first = await busy;

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal("Application_TooManyRequests", await ErrorCodeAsync(response));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        AssertRanNothing();
    }

    [Fact]
    public async Task Batch_FaultRuleOnAnOperationsPath_AppliesToThatOperationOnly()
    {
        using var bc = await BcClientAsync();
        State.AddFault(FaultRule.Error("POST", ItemsPath, 503));

        using var response = await BatchAsync(bc, [("Prefer", "odata.continue-on-error")],
            PostItem("1", "2000", "Sugar"),
            PostItem("2", "3000", "Salt"));

        var answers = await AnswersAsync(response);
        Assert.Equal([503, 201], Statuses(answers));
        AssertBcError(answers[0], "Unknown", "Injected by the sandbox.");
        Assert.Equal("3000", Assert.Single(State.BcItems).Number);
        Assert.Equal([FaultKind.Error, null], State.BcBatchOperations.Select(o => o.Fault));
        Assert.Null(Assert.Single(State.CallsTo("POST", BatchPath)).Fault);
        Assert.Empty(State.Faults);
    }

    [Fact]
    public async Task Batch_RateLimitRuleOnAnOperationsPath_Answers429WithRetryAfterInThatOperation()
    {
        using var bc = await BcClientAsync();
        State.AddFault(FaultRule.RateLimit("POST", ItemsPath, TimeSpan.FromSeconds(2)));

        using var response = await BatchAsync(bc, PostItem("1", "2000", "Sugar"));

        var answer = Assert.Single(await AnswersAsync(response));
        Assert.Equal(429, answer.GetProperty("status").GetInt32());
        Assert.Equal("2", answer.GetProperty("headers").GetProperty("retry-after").GetString());
        AssertBcError(answer, "Application_TooManyRequests");
        Assert.Empty(State.BcItems);
    }

    [Fact]
    public async Task Batch_FaultRuleOnTheBatchPath_AnswersTheWholeBatch()
    {
        using var bc = await BcClientAsync();
        State.AddFault(FaultRule.RateLimit("POST", BatchPath, TimeSpan.FromSeconds(3)));

        using var response = await BatchAsync(bc, PostItem("1", "2000", "Sugar"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        AssertRanNothing();
    }

    [Fact]
    public async Task Batch_LostAnswerOnAnOperation_TakesEffectButTheBatchGetsNoAnswer()
    {
        using var bc = await BcClientAsync();
        State.AddFault(FaultRule.LostAnswer("POST", ItemsPath, TimeSpan.FromMilliseconds(200)));

        await Assert.ThrowsAsync<HttpRequestException>(() => BatchAsync(bc,
            PostItem("1", "2000", "Sugar"),
            PostItem("2", "3000", "Salt")));

        Assert.Equal(["2000", "3000"], State.BcItems.Select(i => i.Number));
        Assert.Equal([FaultKind.LostAnswer, null], State.BcBatchOperations.Select(o => o.Fault));
        await WaitUntilAsync(() => State.CallsTo("POST", BatchPath).Count == 1);
        Assert.Equal(FaultKind.LostAnswer, State.CallsTo("POST", BatchPath)[0].Fault);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static JsonObject Op(string? id, string method, string url, string? body = null, string? ifMatch = null, string? atomicityGroup = null,
        string? dependsOn = null)
    {
        var operation = new JsonObject { ["method"] = method, ["url"] = url };
        if (id is not null)
        {
            operation["id"] = id;
        }

        var headers = new JsonObject();
        if (body is not null)
        {
            headers["Content-Type"] = "application/json";
            operation["body"] = JsonNode.Parse(body);
        }

        if (ifMatch is not null)
        {
            headers["If-Match"] = ifMatch;
        }

        operation["headers"] = headers;
        if (atomicityGroup is not null)
        {
            operation["atomicityGroup"] = atomicityGroup;
        }

        if (dependsOn is not null)
        {
            operation["dependsOn"] = new JsonArray(dependsOn);
        }

        return operation;
    }

    private static string Envelope(params JsonObject[] operations)
        => new JsonObject { ["requests"] = new JsonArray([.. operations]) }.ToJsonString();

    private static Task<HttpResponseMessage> BatchAsync(HttpClient client, params JsonObject[] operations)
        => BatchAsync(client, [], true, operations);

    private static Task<HttpResponseMessage> BatchAsync(HttpClient client, (string Name, string Value)[] headers, params JsonObject[] operations)
        => BatchAsync(client, headers, true, operations);

    private static Task<HttpResponseMessage> BatchAsync(HttpClient client, (string Name, string Value)[] headers, bool acceptJson, params JsonObject[] operations)
        => PostBatchAsync(client, Envelope(operations), "application/json", acceptJson, headers);

    private static async Task<HttpResponseMessage> PostBatchAsync(HttpClient client, string body, string contentType, bool acceptJson,
        (string Name, string Value)[] headers, string? path = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path is null ? "$batch" : new Uri(client.BaseAddress!, path).ToString())
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (acceptJson)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    /// <summary>The operation that creates item <paramref name="number"/>.</summary>
    private JsonObject PostItem(string id, string number, string displayName, string? atomicityGroup = null)
        => Op(id, "POST", $"{Company}/items", $$"""{ "number": "{{number}}", "displayName": "{{displayName}}" }""", atomicityGroup: atomicityGroup);

    /// <summary><paramref name="count"/> operations with ids 1, 2, … that create items ITEM-1, ITEM-2, ….</summary>
    private JsonObject[] CreateItems(int count)
        => [.. Enumerable.Range(1, count).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Select(n => PostItem(n, $"ITEM-{n}", $"Item {n}"))];

    /// <summary>The answers of a JSON batch, in order.</summary>
    private static async Task<List<JsonElement>> AnswersAsync(HttpResponseMessage response)
        => [.. (await ReadJsonAsync(response)).GetProperty("responses").EnumerateArray()];

    private static IEnumerable<int> Statuses(IEnumerable<JsonElement> answers) => answers.Select(a => a.GetProperty("status").GetInt32());

    /// <summary>The code of the error that answers a whole request.</summary>
    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
        => (await ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString();

    private static void AssertBcError(JsonElement answer, string code, string? message = null)
        => AssertBcErrorObject(answer.GetProperty("body").GetProperty("error"), code, message);

    /// <summary>Neither an item nor a batch operation was recorded.</summary>
    private void AssertRanNothing()
    {
        Assert.Empty(State.BcItems);
        Assert.Empty(State.BcBatchOperations);
    }

    /// <summary>One request of the credentials in flight at a time, none queued, each taking 800 ms.</summary>
    private void AllowOneSlowRequestAtATime()
    {
        State.BcMaxInFlight = 1;
        State.BcMaxQueued = 0;
        State.BcProcessingDelay = TimeSpan.FromMilliseconds(800);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 s.");
            await Task.Delay(10);
        }
    }
}
