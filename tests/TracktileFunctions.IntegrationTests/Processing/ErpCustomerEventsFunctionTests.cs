using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Functions;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.IntegrationTests.Webhooks;
using TracktileFunctions.Processing;
using TracktileFunctions.Sandbox.Faults;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.Processing;

[Collection(AzuriteCollection.Name)]
public sealed class ErpCustomerEventsFunctionTests(AzuriteFixture azurite, ITestOutputHelper output) : PipelineTestBase(azurite, output)
{
    private const string Queue = QueueNames.ErpCustomers;

    // Tracktile's customer event kind is not documented: routing it is a setting (here the likely "customer.updated").
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Tracktile:Webhook:Routes:0:Kind", "customer.updated"),
        new("Tracktile:Webhook:Routes:0:Queues:0", QueueNames.TracktileCustomers),
    ];

    private static string TracktileCustomerEvent(string id, int minute)
        => $$"""{"id":"{{id}}","kind":"customer.updated","time":"2024-01-15T10:{{minute:D2}}:00Z","transactionId":"t","customerId":"cus_1"}""";

    private static string CustomerEvent(string id, int minute, string name = "Acme Foods", string? tracktileId = "cus_1", string type = "customer.updated")
    {
        var link = tracktileId is null ? "" : $"\"tracktileId\":\"{tracktileId}\",";
        return $$$"""
            {"id":"{{{id}}}","type":"{{{type}}}","time":"2024-01-15T10:{{{minute:D2}}}:00Z",
             "data":{"id":"C-1001",{{{link}}}"name":"{{{name}}}","email":"ap@acme.test","phone":"+1 555 0100",
                     "address":{"line1":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"},"creditLimit":5000}}
            """;
    }

    // Tracktile holds customer cus_1 (linked to nothing yet) before the ERP reports its changes.
    protected override void ConfigureSandbox(TracktileFunctions.Sandbox.SandboxState state)
        => state.SeedCustomer("cus_1", Json("""{"id":"cus_1","name":"Acme","email":"old@acme.test"}"""));

    private static System.Text.Json.JsonElement Json(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>The ERP changes a customer and says so: it then holds what its event carries (unless <paramref name="changeErp"/> is false: a late delivery).</summary>
    private async Task<int> PostErpAsync(string json, string secret = TestApp.ErpSecret, bool changeErp = true)
    {
        var data = Json(json).GetProperty("data");
        if (changeErp && data.TryGetProperty("id", out var erpId))
        {
            State.SeedErpCustomer(erpId.GetString()!, data);
        }

        var function = ActivatorUtilities.CreateInstance<ErpWebhookFunction>(App);
        var result = Assert.IsType<ContentResult>(await function.RunAsync(
            WebhookRequest.Signed(Encoding.UTF8.GetBytes(json), secret, "X-Erp-Signature"), CancellationToken.None));
        return result.StatusCode!.Value;
    }

    [Fact]
    public async Task RunAsync_OneUpdate_OnePutWithMappedBody()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");

        Assert.Equal(200, await PostErpAsync(CustomerEvent("erp_1", 1)));
        await DrainedAsync(Queue);

        var put = Assert.Single(State.CustomerPuts);
        Assert.Equal("cus_1", put.CustomerId);
        Assert.Equal("Acme Foods", put.Body.GetProperty("name").GetString());
        Assert.Equal("Springfield", put.Body.GetProperty("address").GetProperty("city").GetString());
        Assert.Equal("C-1001", put.Body.GetProperty("externalId").GetString());
        Assert.False(put.Body.TryGetProperty("creditLimit", out _), "only the synced fields are sent");
        Assert.Equal("Bearer", Assert.Single(State.CallsTo("PUT", "/tracktile/customers/cus_1")).AuthorizationScheme);
    }

    [Fact]
    public async Task RunAsync_SameWebhookFiveTimes_OnePut()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, await PostErpAsync(CustomerEvent("erp_dup", 1)));
        }

        await DrainedAsync(Queue);
        Assert.Single(State.CustomerPuts);
        Assert.Single(State.CallsTo("PUT", "/tracktile/customers/cus_1"));
    }

    [Fact]
    public async Task RunAsync_EchoOfOurOwnWrite_NoSecondWrite()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");

        await PostErpAsync(CustomerEvent("erp_a", 1));
        await DrainedAsync(Queue);
        await PostErpAsync(CustomerEvent("erp_echo", 2)); // the same values, a new event: our write coming back
        await DrainedAsync(Queue);

        Assert.Single(State.CustomerPuts);
    }

    [Fact]
    public async Task RunAsync_StaleUpdateAfterNewer_NoPut()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");

        await PostErpAsync(CustomerEvent("erp_new", 30, name: "Acme Foods Ltd"));
        await DrainedAsync(Queue);
        await PostErpAsync(CustomerEvent("erp_old", 10, name: "Acme (old name)"), changeErp: false); // delivered late
        await DrainedAsync(Queue);

        var put = Assert.Single(State.CustomerPuts);
        Assert.Equal("Acme Foods Ltd", put.Body.GetProperty("name").GetString());
    }

    [Fact]
    public async Task RunAsync_Tracktile429ThenOk_OnePut()
    {
        State.AddFault(FaultRule.RateLimit("PUT", "/tracktile/customers", TimeSpan.FromSeconds(1), times: 1));
        await StartFunctionAsync("ErpCustomerEventsFunction");

        await PostErpAsync(CustomerEvent("erp_429", 1));
        await DrainedAsync(Queue);

        Assert.Single(State.CustomerPuts);
        Assert.Equal([429, 200], State.CallsTo("PUT", "/tracktile/customers/cus_1").Select(c => c.StatusCode));
    }

    [Fact]
    public async Task RunAsync_CustomerWithoutTracktileId_SkippedAndRecorded()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");

        await PostErpAsync(CustomerEvent("erp_noid", 1, tracktileId: null));
        await DrainedAsync(Queue);

        Assert.Empty(State.CustomerPuts);
        var ledger = new Azure.Data.Tables.TableClient(Azurite.ConnectionString, ProcessedEventStore.TableName);
        var row = (await ledger.GetEntityAsync<Azure.Data.Tables.TableEntity>("tracktile-customers", "erp_noid")).Value;
        Assert.StartsWith("skipped: the ERP customer has no tracktileId", row.GetString("Outcome"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_OurWriteComesBackAsTracktileEvent_NoWriteToErp()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");
        await StartFunctionAsync("TracktileCustomerEventsFunction");

        await PostErpAsync(CustomerEvent("erp_1", 1));
        await DrainedAsync(Queue);
        await PostTracktileAsync(TracktileCustomerEvent("evt_cus_echo", 2)); // Tracktile reports the change we made
        await DrainedAsync(QueueNames.TracktileCustomers);

        Assert.Single(State.CustomerPuts);
        Assert.Empty(State.ErpCustomerPuts);
    }

    [Fact]
    public async Task RunAsync_ChangedInTracktile_OneErpPutAndTheErpEchoStopsThere()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");
        await StartFunctionAsync("TracktileCustomerEventsFunction");
        await PostErpAsync(CustomerEvent("erp_1", 1));
        await DrainedAsync(Queue);

        // Someone renames the customer in Tracktile.
        var renamed = State.FindCustomer("cus_1")!.Value.GetRawText().Replace("Acme Foods", "Acme Foods International", StringComparison.Ordinal);
        State.SeedCustomer("cus_1", System.Text.Json.JsonDocument.Parse(renamed).RootElement.Clone());
        await PostTracktileAsync(TracktileCustomerEvent("evt_cus_rename", 5));
        await DrainedAsync(QueueNames.TracktileCustomers);

        var put = Assert.Single(State.ErpCustomerPuts);
        Assert.Equal(("C-1001", "cus_1", "Acme Foods International"),
            (put.CustomerId, put.Body.GetProperty("tracktileId").GetString(), put.Body.GetProperty("name").GetString()));

        // The ERP now reports that same change back: nothing more is written anywhere.
        await PostErpAsync(CustomerEvent("erp_echo_back", 6, name: "Acme Foods International"));
        await DrainedAsync(Queue);
        Assert.Single(State.CustomerPuts);
        Assert.Single(State.ErpCustomerPuts);
    }

    [Fact]
    public async Task RunAsync_SameCustomerFormattedDifferently_NoWriteEitherWay()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");
        await StartFunctionAsync("TracktileCustomerEventsFunction");
        await PostErpAsync(CustomerEvent("erp_1", 1));
        await DrainedAsync(Queue);

        // The ERP re-emits the customer on a no-change save: keys in another order, an extra null, the phone reformatted.
        await PostErpAsync("""
            {"id":"erp_2","type":"customer.updated","time":"2024-01-15T10:02:00Z",
             "data":{"phone":"+1 (555) 0100","address":{"country":"US","postalCode":"12345","line2":null,"city":"Springfield","line1":"1 Main St"},
                     "email":" AP@acme.test","name":"Acme  Foods","tracktileId":"cus_1","id":"C-1001"}}
            """);
        await DrainedAsync(Queue);
        var tracktileHolds = State.FindCustomer("cus_1")!.Value.GetRawText();
        State.SeedCustomer("cus_1", Json(tracktileHolds.Replace("\"name\":\"Acme Foods\"", "\"name\":\" Acme Foods \"", StringComparison.Ordinal)));
        await PostTracktileAsync(TracktileCustomerEvent("evt_cus_noop", 3));
        await DrainedAsync(QueueNames.TracktileCustomers);

        Assert.Single(State.CustomerPuts);
        Assert.Empty(State.ErpCustomerPuts);
    }

    [Fact]
    public async Task RunAsync_EditsOnBothSidesBeforeEitherIsProcessed_BothEditsReachBothSides()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");
        await StartFunctionAsync("TracktileCustomerEventsFunction");
        await PostErpAsync(CustomerEvent("erp_1", 1));
        await DrainedAsync(Queue);

        // Within the processing delay: Tracktile renames the customer, the ERP changes its phone.
        var renamed = Json(State.FindCustomer("cus_1")!.Value.GetRawText().Replace("Acme Foods", "Acme Foods International", StringComparison.Ordinal));
        State.SeedCustomer("cus_1", renamed);
        await PostErpAsync(CustomerEvent("erp_phone", 9).Replace("+1 555 0100", "+1 555 0199", StringComparison.Ordinal));
        await DrainedAsync(Queue); // the ERP's event is processed first
        await PostTracktileAsync(TracktileCustomerEvent("evt_cus_rename", 8));
        await DrainedAsync(QueueNames.TracktileCustomers);

        foreach (var side in new[] { State.FindCustomer("cus_1")!.Value, State.FindErpCustomer("C-1001")!.Value })
        {
            Assert.Equal(("Acme Foods International", "+1 555 0199"), (side.GetProperty("name").GetString(), side.GetProperty("phone").GetString()));
        }

        Assert.Single(State.ErpCustomerPuts); // the rename, once
        Assert.Equal(2, State.CustomerPuts.Count); // the first sync, then the phone
    }

    [Fact]
    public async Task RunAsync_SameFieldChangedOnBothSides_TheConfiguredSystemOfRecordWins()
    {
        await StartFunctionAsync("ErpCustomerEventsFunction");
        await PostErpAsync(CustomerEvent("erp_1", 1));
        await DrainedAsync(Queue);

        State.SeedCustomer("cus_1", Json(State.FindCustomer("cus_1")!.Value.GetRawText().Replace("Acme Foods", "Acme (Tracktile)", StringComparison.Ordinal)));
        await PostErpAsync(CustomerEvent("erp_2", 2, name: "Acme (ERP)"));
        await DrainedAsync(Queue);

        Assert.Equal("Acme (ERP)", State.FindCustomer("cus_1")!.Value.GetProperty("name").GetString());
        Assert.Equal("Acme (ERP)", State.FindErpCustomer("C-1001")!.Value.GetProperty("name").GetString());
        Assert.Empty(State.ErpCustomerPuts);
    }

    [Fact]
    public async Task Webhook_BadErpSignature_Answers401AndQueuesNothing()
    {
        Assert.Equal(401, await PostErpAsync(CustomerEvent("erp_bad", 1), secret: TestApp.TracktileSecret));

        Assert.Equal(0, await Azurite.MessageCountAsync(Queue));
    }

    [Fact]
    public async Task Webhook_OtherErpEventType_AcceptedAndKeptVisible()
    {
        Assert.Equal(200, await PostErpAsync(CustomerEvent("erp_inv", 1, type: "invoice.paid")));

        Assert.Equal(0, await Azurite.MessageCountAsync(Queue));
        Assert.Equal(1, await Azurite.MessageCountAsync("erp-unrouted"));
    }
}
