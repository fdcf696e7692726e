using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TracktileFunctions.Accounting;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.UnitTests.Accounting;

/// <summary>The invoice an order makes (the queue, the lock and the ledger run on Azurite and the sandbox in the integration tests).</summary>
public sealed class InvoiceConsumerTests
{
    private static readonly JsonElement OrderJson = JsonDocument.Parse("""
        {"id":"ord_1","shortId":"SO-1001","customerId":"cus_1","currency":"USD","status":"completed",
         "orderItems":[{"productId":"prod_jam","quantity":3,"price":4.5,"lotCodes":["LOT-J2","LOT-J1"]},{"productId":"prod_honey","quantity":1,"price":12}]}
        """).RootElement;

    private static InvoiceConsumer Consumer(InvoiceOptions? options = null)
        => new("quickbooks-invoices", "quickbooks-invoice", null!, null!, null!, options ?? new InvoiceOptions(), new TracktileClientOptions());

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static TracktileOrder Order(JsonElement json) => json.Deserialize<TracktileOrder>(Web)!;

    [Fact]
    public void ToInvoice_OrderAndShipment_LinesNumberDueDateAndEveryLotOnce()
    {
        var shipment = JsonDocument.Parse("""
            {"id":"shp_1","orderId":"ord_1","items":[{"productId":"prod_jam","quantity":3,"lotCodes":["LOT-J1"]}],
             "shippedLots":[{"productId":"prod_honey","lotCode":"LOT-H9","quantity":1}]}
            """).RootElement;

        var invoice = Consumer(new InvoiceOptions { DueDays = 30, DocNumberPrefix = "TT-" }).ToInvoice(Order(OrderJson), OrderJson, shipment, new DateOnly(2026, 12, 1));

        Assert.Equal(("ord_1", "TT-SO-1001", "cus_1", new DateOnly(2026, 12, 31)), (invoice.OrderId, invoice.Number, invoice.CustomerId, invoice.DueDate!.Value));
        Assert.Equal([new LedgerInvoiceLine("prod_jam", 3, 4.5m), new LedgerInvoiceLine("prod_honey", 1, 12m)], invoice.Lines);
        Assert.Equal(["LOT-H9", "LOT-J1", "LOT-J2"], invoice.LotCodes);
    }

    [Theory]
    [InlineData("""{"id":"ord_1","customerId":"cus_1","orderItems":[{"productId":"p","quantity":1,"price":1}]}""", "shortId")]
    [InlineData("""{"id":"ord_1","shortId":"SO-1","orderItems":[{"productId":"p","quantity":1,"price":1}]}""", "customerId")]
    [InlineData("""{"id":"ord_1","shortId":"SO-1","customerId":"cus_1","orderItems":[]}""", "orderItems")]
    [InlineData("""{"id":"ord_1","shortId":"SO-1","customerId":"cus_1","orderItems":[{"productId":"p","quantity":1}]}""", "no price")]
    public void ToInvoice_OrderMissingWhatAnInvoiceNeeds_PermanentFailureNamingIt(string json, string named)
    {
        var order = JsonDocument.Parse(json).RootElement;

        var failure = Assert.Throws<PermanentProcessingException>(() => Consumer().ToInvoice(Order(order), order, null, new DateOnly(2026, 12, 1)));

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_QuickBooksOnWithoutSecretOrCallback_NamesBoth()
    {
        var options = new QuickBooksOptions { ClientId = "client", Items = { IncomeAccountId = "79" } };
        options.Normalize();

        var problems = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage).ToList();

        Assert.Contains(problems, p => p!.Contains("ClientSecret", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("RedirectUri", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_CreatingItemsWithoutAnIncomeAccount_Refused()
    {
        var options = new QuickBooksOptions { ClientId = "client", ClientSecret = "secret", RedirectUri = "https://app.example/api/connect/quickbooks/callback" };
        options.Normalize();

        Assert.Contains(options.Validate(new ValidationContext(options)), r => r.ErrorMessage!.Contains("IncomeAccountId", StringComparison.Ordinal));
        options.Items.CreateMissing = false;
        Assert.Empty(options.Validate(new ValidationContext(options)));
    }

    [Fact]
    public void IsValidState_OwnStateFreshTamperedOrOld_OnlyFreshOwnAccepted()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new QuickBooksOptions
        {
            ClientId = "client", ClientSecret = "secret", RedirectUri = "https://app.example/api/connect/quickbooks/callback", AuthorizeUrl = "https://appcenter.intuit.com/connect/oauth2",
        });
        using var connection = new QuickBooksConnection(null!, null!, null!, options, clock, NullLogger<QuickBooksConnection>.Instance);

        var url = connection.AuthorizationUrl();
        var state = System.Web.HttpUtility.ParseQueryString(url.Query)["state"]!;

        Assert.Equal("appcenter.intuit.com", url.Host);
        Assert.Equal(("client", "code", "com.intuit.quickbooks.accounting"), (System.Web.HttpUtility.ParseQueryString(url.Query)["client_id"], System.Web.HttpUtility.ParseQueryString(url.Query)["response_type"], System.Web.HttpUtility.ParseQueryString(url.Query)["scope"]));
        Assert.True(connection.IsValidState(state));
        Assert.False(connection.IsValidState(state[..^2] + (state[^2] == 'A' ? "BA" : "AA")));
        Assert.False(connection.IsValidState("abc.123.def"));
        Assert.False(connection.IsValidState(null));
        clock.Advance(TimeSpan.FromMinutes(11));
        Assert.False(connection.IsValidState(state));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
