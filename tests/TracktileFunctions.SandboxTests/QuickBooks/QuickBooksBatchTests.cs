using System.Net;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using TracktileFunctions.Sandbox;

namespace TracktileFunctions.SandboxTests.QuickBooks;

/// <summary>
/// The fake QuickBooks Online's <c>POST batch</c> over real HTTP: per-item answers and Faults, the 30-payload limit,
/// requestid replay, the batch rate limit and what is recorded. One sandbox for the class, reset before every test.
/// </summary>
public sealed class QuickBooksBatchTests(QuickBooksSandboxFixture fixture) : QuickBooksSandboxTestBase(fixture)
{
    private const string BatchPath = "/quickbooks/v3/company/" + Realm + "/batch";

    [Fact]
    public async Task Batch_QueryCreateAndSparseUpdate_AnswersEachItemByBIdInOrder()
    {
        var api = await ConnectedApiAsync();
        var flour = State.SeedQuickBooksItem("Flour 25 kg", sku: "FL-25", unitPrice: 30m, fields: new JsonObject { ["Description"] = "Stone ground" });

        var (status, body) = await BatchAsync(api, "minorversion=75",
            new JsonObject { ["bId"] = "1", ["Query"] = "select * from Item where Sku = 'FL-25'" },
            new JsonObject { ["bId"] = "2", ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", "SU-1") },
            new JsonObject
            {
                ["bId"] = "3", ["operation"] = "update",
                ["Item"] = new JsonObject { ["Id"] = flour, ["SyncToken"] = "0", ["sparse"] = true, ["UnitPrice"] = 32.5m },
            });

        Assert.Equal(HttpStatusCode.OK, status);
        var items = body["BatchItemResponse"]!.AsArray();
        Assert.Equal(["1", "2", "3"], items.Select(i => i!["bId"]!.GetValue<string>()));
        Assert.NotNull(body["time"]);

        var found = items[0]!["QueryResponse"]!["Item"]!.AsArray();
        Assert.Equal(flour, Assert.Single(found)!["Id"]!.GetValue<string>());

        var created = items[1]!["Item"]!;
        Assert.Equal("Sugar 1 kg", created["Name"]!.GetValue<string>());
        Assert.Equal("0", created["SyncToken"]!.GetValue<string>());

        var updated = items[2]!["Item"]!;
        Assert.Equal("1", updated["SyncToken"]!.GetValue<string>());
        Assert.Equal(32.5m, updated["UnitPrice"]!.GetValue<decimal>());
        Assert.Equal("Stone ground", updated["Description"]!.GetValue<string>()); // sparse: the rest is kept
        Assert.Equal(2, State.QuickBooksItems.Count);

        // Recording: one HTTP call, one API call on path "batch", one record per item run.
        var call = Assert.Single(State.CallsTo("POST", BatchPath));
        Assert.Equal(200, call.StatusCode);
        Assert.Equal("batch", Assert.Single(State.QuickBooksApiCalls).Path);
        Assert.Equal(
            new (string, string, string?)[] { ("1", "query", null), ("2", "create", "Item"), ("3", "update", "Item") },
            State.QuickBooksBatchItems.Select(i => (i.BatchId, i.Operation, i.Entity)));
        Assert.All(State.QuickBooksBatchItems, i => Assert.True(i.Succeeded));
        Assert.Equal(created["Id"]!.GetValue<string>(), State.QuickBooksBatchItems[1].EntityId);
        Assert.Equal("select * from Item where Sku = 'FL-25'", State.QuickBooksBatchItems[0].Query);
    }

    [Fact]
    public async Task Batch_SomeItemsFail_Answers200WithAFaultInTheirPlaceAndRunsTheOthers()
    {
        var api = await ConnectedApiAsync();
        State.SeedQuickBooksItem("Flour 25 kg");
        var salt = State.SeedQuickBooksItem("Salt 1 kg");

        var (status, body) = await BatchAsync(api, "minorversion=75",
            new JsonObject { ["bId"] = "dup", ["operation"] = "create", ["Item"] = NewItem("flour 25 KG", null) },
            new JsonObject { ["bId"] = "stale", ["operation"] = "update", ["Item"] = new JsonObject { ["Id"] = salt, ["SyncToken"] = "7", ["sparse"] = true, ["UnitPrice"] = 2m } },
            new JsonObject { ["bId"] = "ok", ["operation"] = "create", ["Item"] = NewItem("Yeast 500 g", "YE-500") },
            new JsonObject { ["bId"] = "badq", ["Query"] = "select Name from Item" },
            new JsonObject { ["bId"] = "noop", ["Item"] = NewItem("Rye 25 kg", null) });

        Assert.Equal(HttpStatusCode.OK, status);
        var items = body["BatchItemResponse"]!.AsArray();
        AssertItemFault(items[0]!, "dup", "6240", "ValidationFault");
        AssertItemFault(items[1]!, "stale", "5010", "ValidationFault");
        Assert.Equal("Yeast 500 g", items[2]!["Item"]!["Name"]!.GetValue<string>());
        AssertItemFault(items[3]!, "badq", "4000", "ValidationFault");
        AssertItemFault(items[4]!, "noop", "2020", "ValidationFault");
        Assert.Null(items[0]!["Item"]);

        Assert.Equal(["Flour 25 kg", "Salt 1 kg", "Yeast 500 g"], State.QuickBooksItems.Select(i => i["Name"]!.GetValue<string>()));
        Assert.Equal("0", State.QuickBooksItems[1]["SyncToken"]!.GetValue<string>());
        Assert.Equal([false, false, true, false, false], State.QuickBooksBatchItems.Select(i => i.Succeeded));
        Assert.Equal("6240", State.QuickBooksBatchItems[0].FaultCode);
    }

    [Fact]
    public async Task Batch_MoreThan30Payloads_Answers400AndRunsNothingButThirtyRun()
    {
        var api = await ConnectedApiAsync();
        JsonObject[] Creates(int count, string prefix) =>
            [.. Enumerable.Range(1, count).Select(i => new JsonObject { ["bId"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ["operation"] = "create", ["Item"] = NewItem($"{prefix} {i}", null) })];

        var (tooMany, refusal) = await BatchAsync(api, "minorversion=75", Creates(31, "Over"));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Null(refusal["BatchItemResponse"]);
        var error = refusal["Fault"]!["Error"]![0]!;
        Assert.Equal("2010", error["code"]!.GetValue<string>());
        Assert.Equal("BatchItemRequest", error["element"]!.GetValue<string>());
        Assert.Equal("ValidationFault", refusal["Fault"]!["type"]!.GetValue<string>());
        Assert.Empty(State.QuickBooksItems);
        Assert.Empty(State.QuickBooksBatchItems);

        var (thirty, answer) = await BatchAsync(api, "minorversion=75", Creates(30, "Item"));
        Assert.Equal(HttpStatusCode.OK, thirty);
        Assert.Equal(30, answer["BatchItemResponse"]!.AsArray().Count);
        Assert.Equal(30, State.QuickBooksItems.Count);
    }

    [Fact]
    public async Task Batch_RepeatedRequestId_ReplaysTheOriginalAnswerWithoutRunningAgain()
    {
        var api = await ConnectedApiAsync();
        State.SeedQuickBooksItem("Flour 25 kg");
        JsonObject[] Items() =>
        [
            new JsonObject { ["bId"] = "a", ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", "SU-1") },
            new JsonObject { ["bId"] = "b", ["operation"] = "create", ["Item"] = NewItem("Flour 25 kg", null) },
        ];

        var first = await BatchRawAsync(api, "requestid=evt-42&minorversion=75", Items());
        Time.Advance(TimeSpan.FromSeconds(5));
        var again = await BatchRawAsync(api, "requestid=evt-42&minorversion=75", Items());
        var other = await BatchRawAsync(api, "requestid=evt-42&minorversion=75",
            new JsonObject { ["bId"] = "c", ["operation"] = "create", ["Item"] = NewItem("Salt 1 kg", null) });

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(first.Text, again.Text); // the same "time" too: nothing ran again
        Assert.Equal(first.Text, other.Text); // a requestid answers its first answer, whatever the body
        Assert.Equal(2, State.QuickBooksItems.Count);
        Assert.Equal(2, State.QuickBooksBatchItems.Count);
        Assert.All(State.QuickBooksBatchItems, i => Assert.Equal("evt-42", i.RequestId));
        Assert.Equal(2, State.QuickBooksRequestIdReplays);
        Assert.Equal([false, true, true], State.QuickBooksApiCalls.Select(c => c.Replayed));
        Assert.Equal(3, State.CallsTo("POST", BatchPath).Count);
    }

    [Fact]
    public async Task Batch_RequestIdOver36OrBIdOver10WithRequestId_Refused()
    {
        var api = await ConnectedApiAsync();
        var longId = new string('r', 37);
        var (tooLong, refusal) = await BatchAsync(api, $"requestid={longId}&minorversion=75",
            new JsonObject { ["bId"] = "1", ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", null) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        Assert.Equal("2010", refusal["Fault"]!["Error"]![0]!["code"]!.GetValue<string>());
        Assert.Empty(State.QuickBooksItems);

        var uuid = Guid.NewGuid().ToString("N"); // 32 characters: allowed on a batch
        var (status, body) = await BatchAsync(api, $"requestid={uuid}&minorversion=75",
            new JsonObject { ["bId"] = "0123456789", ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", null) },
            new JsonObject { ["bId"] = Guid.NewGuid().ToString("D"), ["operation"] = "create", ["Item"] = NewItem("Salt 1 kg", null) });
        Assert.Equal(HttpStatusCode.OK, status);
        var items = body["BatchItemResponse"]!.AsArray();
        Assert.Equal("Sugar 1 kg", items[0]!["Item"]!["Name"]!.GetValue<string>());
        AssertItemFault(items[1]!, items[1]!["bId"]!.GetValue<string>(), "6000", "ValidationFault");
        Assert.Contains("request_id", items[1]!["Fault"]!["Error"]![0]!["Detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single(State.QuickBooksItems);
    }

    [Fact]
    public async Task Batch_InvoiceVoidThroughOptionsDataAndDelete_AsTheStandaloneOperations()
    {
        var api = await ConnectedApiAsync();
        var customer = State.SeedQuickBooksCustomer("Acme Foods");
        var item = State.SeedQuickBooksItem("Flour 25 kg");
        var voided = State.SeedQuickBooksInvoice(customer, "SO-1", (item, 2m, 10m));
        var deleted = State.SeedQuickBooksInvoice(customer, "SO-2", (item, 1m, 10m));

        var (status, body) = await BatchAsync(api, "minorversion=75",
            new JsonObject { ["bId"] = "v", ["operation"] = "update", ["optionsData"] = "void", ["Invoice"] = new JsonObject { ["Id"] = voided, ["SyncToken"] = "0" } },
            new JsonObject { ["bId"] = "d", ["operation"] = "delete", ["Invoice"] = new JsonObject { ["Id"] = deleted, ["SyncToken"] = "0" } },
            new JsonObject { ["bId"] = "i", ["operation"] = "delete", ["Item"] = new JsonObject { ["Id"] = item, ["SyncToken"] = "0" } },
            new JsonObject { ["bId"] = "c", ["operation"] = "update", ["Customer"] = new JsonObject { ["Id"] = customer, ["SyncToken"] = "0", ["sparse"] = true, ["CompanyName"] = "Acme Foods Ltd" } });

        Assert.Equal(HttpStatusCode.OK, status);
        var items = body["BatchItemResponse"]!.AsArray();
        Assert.Equal(0m, items[0]!["Invoice"]!["TotalAmt"]!.GetValue<decimal>());
        Assert.Equal("Voided", items[0]!["Invoice"]!["PrivateNote"]!.GetValue<string>());
        Assert.Equal("Deleted", items[1]!["Invoice"]!["status"]!.GetValue<string>());
        AssertItemFault(items[2]!, "i", "500", "ValidationFault");
        Assert.Equal("Acme Foods Ltd", items[3]!["Customer"]!["CompanyName"]!.GetValue<string>());
        Assert.Equal(["void", "delete", "delete", "update"], State.QuickBooksBatchItems.Select(i => i.Operation));
        Assert.Single(State.QuickBooksInvoices);
    }

    [Fact]
    public async Task Batch_OverBatchRequestsPerMinute_Answers429WhileOtherCallsGoOn()
    {
        var api = await ConnectedApiAsync();
        State.QuickBooksBatchRequestsPerMinute = 2;
        var query = new JsonObject { ["bId"] = "q", ["Query"] = "select * from Account" };
        var statuses = new List<HttpStatusCode>();
        string? last = null;
        for (var i = 0; i < 3; i++)
        {
            var (status, text) = await BatchRawAsync(api, "minorversion=75", query.DeepClone().AsObject());
            statuses.Add(status);
            last = text;
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        XNamespace ns = "http://schema.intuit.com/finance/v3";
        var error = XDocument.Parse(last!).Root!.Element(ns + "Fault")!.Element(ns + "Error")!;
        Assert.Equal("3001", error.Attribute("code")!.Value);
        Assert.Equal(1, State.QuickBooksBatchThrottledCount);
        Assert.Equal(1, State.QuickBooksThrottledCount);
        Assert.Equal(429, State.QuickBooksApiCalls[^1].StatusCode);
        Assert.Equal(2, State.QuickBooksBatchItems.Count);

        using (var single = await api.GetAsync("account/79?minorversion=75"))
        {
            Assert.Equal(HttpStatusCode.OK, single.StatusCode);
        }

        Time.Advance(TimeSpan.FromSeconds(61));
        var (later, _) = await BatchRawAsync(api, "minorversion=75", query.DeepClone().AsObject());
        Assert.Equal(HttpStatusCode.OK, later);
    }

    [Fact]
    public async Task Batch_PerRealmLimitLowerThanPerApp_Binds()
    {
        var api = await ConnectedApiAsync();
        State.QuickBooksBatchRequestsPerMinutePerRealm = 1;
        var query = new JsonObject { ["bId"] = "q", ["Query"] = "select * from Account" };
        Assert.Equal(HttpStatusCode.OK, (await BatchRawAsync(api, "minorversion=75", query.DeepClone().AsObject())).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await BatchRawAsync(api, "minorversion=75", query.DeepClone().AsObject())).Status);
    }

    [Fact]
    public async Task Batch_WithoutAcceptJson_AnswersXmlWithBIdAttributes()
    {
        var (access, _) = await ConnectAsync();
        var xmlApi = Track(Api(access, json: false));
        var (status, text) = await BatchRawAsync(xmlApi, "minorversion=75",
            new JsonObject { ["bId"] = "x1", ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", null) },
            new JsonObject { ["bId"] = "x2", ["Query"] = "select * from Item" });

        Assert.Equal(HttpStatusCode.OK, status);
        XNamespace ns = "http://schema.intuit.com/finance/v3";
        var root = XDocument.Parse(text).Root!;
        Assert.Equal("IntuitResponse", root.Name.LocalName);
        var responses = root.Elements(ns + "BatchItemResponse").ToList();
        Assert.Equal(["x1", "x2"], responses.Select(r => r.Attribute("bId")!.Value));
        Assert.Equal("Sugar 1 kg", responses[0].Element(ns + "Item")!.Element(ns + "Name")!.Value);
        Assert.NotNull(responses[1].Element(ns + "QueryResponse")!.Element(ns + "Item"));
    }

    [Fact]
    public async Task Batch_DuplicateOrMissingBId_Answers400AndRunsNothing()
    {
        var api = await ConnectedApiAsync();
        var (duplicate, _) = await BatchAsync(api, "minorversion=75",
            new JsonObject { ["bId"] = "1", ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", null) },
            new JsonObject { ["bId"] = "1", ["operation"] = "create", ["Item"] = NewItem("Salt 1 kg", null) });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate);

        var (missing, body) = await BatchAsync(api, "minorversion=75",
            new JsonObject { ["operation"] = "create", ["Item"] = NewItem("Sugar 1 kg", null) });
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal("2020", body["Fault"]!["Error"]![0]!["code"]!.GetValue<string>());
        Assert.Empty(State.QuickBooksItems);
    }

    // ---- helpers ----

    private static JsonObject NewItem(string name, string? sku)
    {
        var item = new JsonObject
        {
            ["Name"] = name,
            ["Type"] = "NonInventory",
            ["IncomeAccountRef"] = new JsonObject { ["value"] = SandboxState.QuickBooksIncomeAccountId },
        };
        if (sku is not null)
        {
            item["Sku"] = sku;
        }

        return item;
    }

    private static void AssertItemFault(JsonNode item, string batchId, string code, string type)
    {
        Assert.Equal(batchId, item["bId"]!.GetValue<string>());
        var fault = item["Fault"]!;
        Assert.Equal(type, fault["type"]!.GetValue<string>());
        Assert.Equal(code, fault["Error"]![0]!["code"]!.GetValue<string>());
    }

    private static Task<(HttpStatusCode Status, JsonNode Body)> BatchAsync(HttpClient api, string query, params JsonObject[] items)
        => SendAsync(api, HttpMethod.Post, "batch?" + query, BatchRequest(items));

    private static Task<(HttpStatusCode Status, string Text)> BatchRawAsync(HttpClient api, string query, params JsonObject[] items)
        => SendRawAsync(api, HttpMethod.Post, "batch?" + query, BatchRequest(items));

    private static JsonObject BatchRequest(JsonObject[] items) => new() { ["BatchItemRequest"] = new JsonArray([.. items]) };
}
