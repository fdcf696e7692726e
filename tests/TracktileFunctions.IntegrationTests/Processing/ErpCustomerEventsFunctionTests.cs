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

    private async Task<int> PostErpAsync(string json, string secret = TestApp.ErpSecret)
    {
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
        await PostErpAsync(CustomerEvent("erp_old", 10, name: "Acme (old name)"));
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
