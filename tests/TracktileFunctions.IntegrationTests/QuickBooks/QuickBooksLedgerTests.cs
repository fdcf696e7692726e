using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Sandbox.Faults;
using TracktileFunctions.Sandbox.QuickBooks;
using TracktileFunctions.Secrets;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.QuickBooks;

/// <summary>Tracktile <-> QuickBooks Online through the real queue extension, Azurite and the sandbox's QuickBooks.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QuickBooksLedgerTests(AzuriteFixture azurite, ITestOutputHelper output) : QuickBooksTestBase(azurite, output)
{
    private static string InvoicePath => $"/quickbooks/v3/company/{Realm}/invoice";

    [Fact]
    public async Task Connect_ThroughIntuitsPages_ConnectionKeptInTheSecretStore()
    {
        await ConnectAsync();

        var saved = await App.GetRequiredService<ISecretStore>().GetAsync(QuickBooksConnection.SecretName, CancellationToken.None);
        Assert.Contains(Realm, saved, StringComparison.Ordinal);
        Assert.Equal(Realm, await App.GetRequiredService<QuickBooksConnection>().RealmIdAsync(CancellationToken.None));
        Assert.Equal(1, State.QuickBooksTokensIssued);
    }

    [Fact]
    public async Task OrderCompleted_DeliveredTenTimesAndTheCreateAnswerLost_OneInvoiceWithTheRightLines()
    {
        await ConnectAsync();
        await IndexProductsAsync();
        // The invoice create is applied but its answer never comes: the retried POST carries the same requestid.
        State.AddFault(FaultRule.LostAnswer("POST", InvoicePath, TimeSpan.FromSeconds(4)));
        await StartFunctionAsync("QuickBooksInvoicesFunction");

        for (var i = 0; i < 5; i++)
        {
            await PostTracktileAsync(Completed("evt_completed"));
            await PostTracktileAsync(Completed($"evt_completed_{i}", minute: i + 1));
        }

        await Eventually.UntilAsync(async () => State.QuickBooksInvoices.Count == 1 && await Azurite.MessageCountAsync(QueueNames.QuickBooksInvoices) == 0,
            TimeSpan.FromSeconds(60), "the invoice exists and the events are done");
        await DrainedAsync(QueueNames.QuickBooksInvoices);
        var invoice = Assert.Single(State.QuickBooksInvoices);
        Assert.Equal(1, State.QuickBooksInvoiceCount("SO-1"));
        Assert.Equal(25.5m, invoice["TotalAmt"]!.GetValue<decimal>());
        Assert.StartsWith("Tracktile order ord_1 (SO-1).", invoice["PrivateNote"]!.GetValue<string>(), StringComparison.Ordinal);
        var lines = invoice["Line"]!.AsArray().Where(l => l!["DetailType"]!.GetValue<string>() == "SalesItemLineDetail").ToList();
        var items = State.QuickBooksItems.ToDictionary(i => i["Id"]!.GetValue<string>(), i => i["Sku"]!.GetValue<string>());
        Assert.Equal([("JAM-250", 3m, 13.5m), ("HONEY-500", 1m, 12m)],
            lines.Select(l => (items[ItemOf(l!)], l!["SalesItemLineDetail"]!["Qty"]!.GetValue<decimal>(), l["Amount"]!.GetValue<decimal>())));
        var customer = Assert.Single(State.QuickBooksCustomers);
        Assert.Equal(("Bistro Ltd", customer["Id"]!.GetValue<string>()), (customer["DisplayName"]!.GetValue<string>(), invoice["CustomerRef"]!["value"]!.GetValue<string>()));
        Assert.All(State.QuickBooksApiCalls, c => Assert.True(int.Parse(c.RequestedMinorVersion!, System.Globalization.CultureInfo.InvariantCulture) >= 75));
        Assert.DoesNotContain(await FailuresAsync(QueueNames.QuickBooksInvoices), f => f.GetBoolean("Poisoned") == true);
    }

    [Fact]
    public async Task OrderCancelledAfterInvoicing_InvoiceVoidedOnceAndNeverMadeAgain()
    {
        var invoice = await InvoicedAsync();

        await PostTracktileAsync(Cancelled("evt_cancelled", minute: 5));
        await PostTracktileAsync(Cancelled("evt_cancelled_again", minute: 6));
        await PostTracktileAsync(Completed("evt_completed_late", minute: 7));
        await DrainedAsync(QueueNames.QuickBooksInvoices);

        var voided = Assert.Single(State.QuickBooksInvoices);
        Assert.Equal(invoice["Id"]!.GetValue<string>(), voided["Id"]!.GetValue<string>());
        Assert.Equal(0m, voided["TotalAmt"]!.GetValue<decimal>());
        Assert.Single(State.QuickBooksApiCalls, c => c.Method == "POST" && c.Query.Contains("operation=void", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvoiceRefused_CustomerMadeInactiveThenActiveAgain_ReplayMakesTheInvoice()
    {
        var first = await InvoicedAsync();
        var customerId = first["CustomerRef"]!["value"]!.GetValue<string>();
        State.SeedOrders(new TracktileFunctions.Sandbox.Tracktile.TracktileOrder("ord_2", "SO-2", "cus_1", new DateOnly(2026, 12, 11), "USD", "inProgress",
            [new TracktileFunctions.Sandbox.Tracktile.TracktileOrderItem("prod_jam", 1, 4.5m)]));
        State.EditQuickBooksCustomer(customerId, new JsonObject { ["Active"] = false }); // a person, in QuickBooks

        await PostTracktileAsync(OrderEvent("evt_completed_2", "ord_2", "completed", new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.Zero), previous: "inProgress"));
        await Eventually.UntilAsync(async () => (await FailuresAsync(QueueNames.QuickBooksInvoices)).Any(f => f.GetBoolean("Poisoned") == true),
            TimeSpan.FromSeconds(30), "the refused invoice is poisoned");
        Assert.Equal(0, State.QuickBooksInvoiceCount("SO-2"));

        State.EditQuickBooksCustomer(customerId, new JsonObject { ["Active"] = true });
        await App.GetRequiredService<PoisonReplayer>().ReplayAsync(QueueNames.QuickBooksInvoices, null, null, CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(State.QuickBooksInvoiceCount("SO-2") == 1), TimeSpan.FromSeconds(30), "the replay made the invoice");

        Assert.Equal(customerId, State.QuickBooksInvoices.Single(i => i["DocNumber"]!.GetValue<string>() == "SO-2")["CustomerRef"]!["value"]!.GetValue<string>());
        Assert.Single(State.QuickBooksApiCalls, c => c.Method == "POST" && c.Path == "invoice" && c.StatusCode == 400);
    }

    [Fact]
    public async Task OrderCompleted_ButCancelledInTracktileByNow_NotInvoiced()
    {
        await ConnectAsync();
        await IndexProductsAsync();
        State.SeedOrders(new TracktileFunctions.Sandbox.Tracktile.TracktileOrder("ord_1", "SO-1", "cus_1", new DateOnly(2026, 12, 10), "USD", "cancelled",
            [new TracktileFunctions.Sandbox.Tracktile.TracktileOrderItem("prod_jam", 3, 4.5m)]));
        await StartFunctionAsync("QuickBooksInvoicesFunction");

        await PostTracktileAsync(Completed("evt_completed"));
        await DrainedAsync(QueueNames.QuickBooksInvoices);

        Assert.Empty(State.QuickBooksInvoices);
    }

    [Fact]
    public async Task CustomerEditedInQuickBooks_TracktileGetsItAndOurWriteBackIsNoEcho()
    {
        var invoice = await InvoicedAsync();
        var customerId = invoice["CustomerRef"]!["value"]!.GetValue<string>();
        await StartFunctionAsync("QuickBooksEventsFunction");
        await StartFunctionAsync("QuickBooksCustomersFunction");
        await DrainedAsync(QueueNames.QuickBooksEvents); // the webhooks of the app's own creates

        State.EditQuickBooksCustomer(customerId, new JsonObject { ["PrimaryEmailAddr"] = new JsonObject { ["Address"] = "orders@bistro.test" } });
        await State.FlushQuickBooksWebhooksAsync();
        await DrainedAsync(QueueNames.QuickBooksEvents);

        var put = Assert.Single(State.CustomerPuts, p => p.CustomerId == "cus_1");
        Assert.Equal("orders@bistro.test", put.Body.GetProperty("email").GetString());
        Assert.False(put.Body.TryGetProperty("externalId", out _), "the ERP's id field is not the ledger's to write");

        // Tracktile's own change goes to QuickBooks as a sparse update; its webhook coming back changes nothing.
        var updatesBefore = CustomerWrites(200);
        State.SeedCustomer("cus_1", JsonSerializer.SerializeToElement(new
        {
            id = "cus_1", name = "Bistro Ltd", email = "orders@bistro.test", phone = "555-0199",
            address = new { line1 = "1 Main St", city = "Springfield", state = "IL", postalCode = "62701", country = "US" },
        }));
        await PostTracktileAsync("""{"id":"evt_cus_1","kind":"customer.updated","time":"2026-12-01T11:00:00Z","customerId":"cus_1"}""");
        await DrainedAsync(QueueNames.QuickBooksCustomers);
        await State.FlushQuickBooksWebhooksAsync();
        await DrainedAsync(QueueNames.QuickBooksEvents);

        var customer = State.QuickBooksCustomers.Single(c => c["Id"]!.GetValue<string>() == customerId);
        Assert.Equal(("555-0199", "orders@bistro.test"), (customer["PrimaryPhone"]!["FreeFormNumber"]!.GetValue<string>(), customer["PrimaryEmailAddr"]!["Address"]!.GetValue<string>()));
        Assert.Equal(updatesBefore + 1, CustomerWrites(200));
        Assert.Single(State.CustomerPuts, p => p.CustomerId == "cus_1"); // no echo back to Tracktile
    }

    [Fact]
    public async Task CustomerUpdate_SyncTokenGoesStaleMidway_ReadAgainAndBothEditsKept()
    {
        var invoice = await InvoicedAsync();
        var customerId = invoice["CustomerRef"]!["value"]!.GetValue<string>();
        var ledger = App.GetRequiredService<QuickBooksLedger>();
        var customerPath = $"/quickbooks/v3/company/{Realm}/customer";
        State.AddFault(FaultRule.Latency("POST", customerPath, TimeSpan.FromSeconds(1.5))); // under the 3 s attempt timeout: one attempt
        var readsBefore = Reads(customerId);
        var writesBefore = CustomerWrites();

        var update = ledger.PutCustomerAsync(customerId, "cus_1", JsonSerializer.SerializeToElement(new { phone = "555-0142" }), "key-1", CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(Reads(customerId) > readsBefore), TimeSpan.FromSeconds(10), "the update read the customer");
        State.EditQuickBooksCustomer(customerId, new JsonObject { ["CompanyName"] = "Bistro Holdings" }); // a person, meanwhile
        await update;

        var customer = State.QuickBooksCustomers.Single(c => c["Id"]!.GetValue<string>() == customerId);
        Assert.Equal(("555-0142", "Bistro Holdings"), (customer["PrimaryPhone"]!["FreeFormNumber"]!.GetValue<string>(), customer["CompanyName"]!.GetValue<string>()));
        Assert.Equal(writesBefore + 2, CustomerWrites()); // the stale one (5010), then the one read again
        Assert.Equal(1, State.QuickBooksApiCalls.Count(c => c.Method == "POST" && c.Path == "customer" && c.StatusCode == 400));
    }

    [Fact]
    public async Task TwoInstances_AccessTokenExpiredAndRefreshTokenRotatesStrictly_BothKeepWorking()
    {
        await ConnectAsync();
        State.QuickBooksRotation = QuickBooksRotation.Always;
        await using var second = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings);
        var clients = new[] { App.GetRequiredService<QuickBooksClient>(), second.GetRequiredService<QuickBooksClient>() };

        for (var round = 0; round < 2; round++)
        {
            State.ExpireQuickBooksAccessTokens();
            var answers = await Task.WhenAll(clients.Select(c => c.QueryAsync("Account", "select * from Account", CancellationToken.None)));
            Assert.All(answers, a => Assert.NotEmpty(a));
        }

        Assert.Equal(0, State.QuickBooksInvalidGrants);
        Assert.Equal(2, State.QuickBooksRefreshes); // one per expiry: the other instance used what the first saved
    }

    [Fact]
    public async Task ConnectionRevoked_EventsPoisonedWithAClearReason_ReplayedOnceAfterReconnecting()
    {
        await ConnectAsync();
        await IndexProductsAsync();
        State.RevokeQuickBooksConnection();
        await StartFunctionAsync("QuickBooksInvoicesFunction");

        await PostTracktileAsync(Completed("evt_completed"));
        await Eventually.UntilAsync(async () => (await FailuresAsync(QueueNames.QuickBooksInvoices)).Any(f => f.GetBoolean("Poisoned") == true),
            TimeSpan.FromSeconds(60), "the event is poisoned");

        var failure = Assert.Single(await FailuresAsync(QueueNames.QuickBooksInvoices));
        Assert.Contains("connect it again at /api/connect/quickbooks", failure.GetString("Reason"), StringComparison.Ordinal);
        Assert.Equal(1, State.QuickBooksInvalidGrants); // every later attempt failed at once, without calling Intuit
        Assert.Empty(State.QuickBooksInvoices);

        await ConnectAsync();
        var replay = await App.GetRequiredService<PoisonReplayer>().ReplayAsync(QueueNames.QuickBooksInvoices, null, null, CancellationToken.None);
        Assert.Equal(200, replay.StatusCode);
        await Eventually.UntilAsync(() => Task.FromResult(State.QuickBooksInvoices.Count == 1), TimeSpan.FromSeconds(30), "the replayed event made the invoice");
        await DrainedAsync(QueueNames.QuickBooksInvoices);
        Assert.Single(State.QuickBooksInvoices);
    }

    [Fact]
    public async Task CustomerEditedWhileWebhooksAreLost_ChangeFeedReconciliationAppliesIt()
    {
        var invoice = await InvoicedAsync();
        var customerId = invoice["CustomerRef"]!["value"]!.GetValue<string>();
        await StartFunctionAsync("QuickBooksEventsFunction");
        await State.FlushQuickBooksWebhooksAsync();
        await DrainedAsync(QueueNames.QuickBooksEvents);
        State.SuppressQuickBooksWebhooks = true;

        State.EditQuickBooksCustomer(customerId, new JsonObject { ["PrimaryPhone"] = new JsonObject { ["FreeFormNumber"] = "555-0177" } });
        var queued = await App.GetRequiredService<QuickBooksReconciliation>().RunAsync(CancellationToken.None);
        await DrainedAsync(QueueNames.QuickBooksEvents);
        var again = await App.GetRequiredService<QuickBooksReconciliation>().RunAsync(CancellationToken.None); // the overlap finds it again
        await DrainedAsync(QueueNames.QuickBooksEvents);

        Assert.True(queued >= 1, $"queued {queued}");
        Assert.True(again >= 1, $"queued again {again}");
        var put = Assert.Single(State.CustomerPuts, p => p.CustomerId == "cus_1");
        Assert.Equal("555-0177", put.Body.GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Calls_MoreInFlightThanQuickBooksAllows_ThrottledThenWaitedOutWithoutRetryAfter()
    {
        await ConnectAsync();
        State.QuickBooksMaxConcurrent = 2;
        State.QuickBooksProcessingDelay = TimeSpan.FromMilliseconds(300);
        var client = App.GetRequiredService<QuickBooksClient>();

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => client.QueryAsync("Account", "select * from Account", CancellationToken.None)));

        Assert.All(answers, a => Assert.NotEmpty(a));
        Assert.True(State.QuickBooksThrottledCount > 0, "QuickBooks answered 429 to some");
        Assert.True(State.QuickBooksMaxObservedInFlight <= 2, $"in flight at QuickBooks: {State.QuickBooksMaxObservedInFlight}");
    }

    [Fact]
    public async Task Secrets_ThroughConnectRefreshRevocationAndPoison_NeverInLogsOrReasons()
    {
        var store = App.GetRequiredService<ISecretStore>();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        async Task KeepTokensAsync()
        {
            using var saved = JsonDocument.Parse((await store.GetAsync(QuickBooksConnection.SecretName, CancellationToken.None))!);
            tokens.Add(saved.RootElement.GetProperty("AccessToken").GetString()!);
            tokens.Add(saved.RootElement.GetProperty("RefreshToken").GetString()!);
        }

        await ConnectAsync();
        await KeepTokensAsync();
        State.ExpireQuickBooksAccessTokens();
        await App.GetRequiredService<QuickBooksClient>().QueryAsync("Account", "select * from Account", CancellationToken.None);
        await KeepTokensAsync();
        State.RevokeQuickBooksConnection();
        State.ExpireQuickBooksAccessTokens();
        await IndexProductsAsync();
        await StartFunctionAsync("QuickBooksInvoicesFunction");
        await PostTracktileAsync(Completed("evt_completed"));
        await Eventually.UntilAsync(async () => (await FailuresAsync(QueueNames.QuickBooksInvoices)).Any(f => f.GetBoolean("Poisoned") == true),
            TimeSpan.FromSeconds(60), "the event is poisoned");

        tokens.RemoveWhere(t => t.Length == 0);
        Assert.True(tokens.Count >= 3, "an access token, a refresh token, and the refreshed access token");
        var reasons = string.Join("\n", (await FailuresAsync(QueueNames.QuickBooksInvoices)).Select(f => f.GetString("Reason")));
        var logs = string.Join("\n", Logs.Lines);
        Assert.Contains("QuickBooks", logs, StringComparison.Ordinal);
        foreach (var secret in tokens.Append(SandboxState.QuickBooksClientSecret).Append(SandboxState.QuickBooksDefaultVerifierToken))
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, reasons, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Webhook_BadOrMissingSignature_401AndNothingQueued()
    {
        await ConnectAsync();
        var body = State.QuickBooksWebhookBody([new QuickBooksChange("evt-bad", "Customer", "1", "Update", DateTimeOffset.UtcNow)]);

        var forged = await State.SendQuickBooksWebhookAsync(body, WebhookUrl, signature: SandboxState.SignQuickBooksWebhook(Encoding.UTF8.GetBytes(body), "not-the-verifier-token"));
        var unsigned = await State.SendQuickBooksWebhookAsync(body, WebhookUrl, signature: "");

        Assert.Equal((401, 401), (forged.StatusCode, unsigned.StatusCode));
        Assert.Equal(0, await Azurite.MessageCountAsync(QueueNames.QuickBooksEvents));
    }

    private CapturedLogs Logs { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);

    private static string ItemOf(JsonNode line) => line["SalesItemLineDetail"]!["ItemRef"]!["value"]!.GetValue<string>();

    private int CustomerWrites(int? status = null)
        => State.QuickBooksApiCalls.Count(c => c.Method == "POST" && c.Path == "customer" && (status is null || c.StatusCode == status));

    private int Reads(string customerId)
        => State.QuickBooksApiCalls.Count(c => c.Method == "GET" && c.Path == "customer/" + customerId);
}
