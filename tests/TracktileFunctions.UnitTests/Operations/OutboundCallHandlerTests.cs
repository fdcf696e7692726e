using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using Polly.Timeout;
using TracktileFunctions.Operations;

// Not ...UnitTests.Operations: that namespace would hide TracktileFunctions.Operations from the other test folders (Operations.X).
namespace TracktileFunctions.UnitTests.Telemetry;

public sealed class OutboundCallHandlerTests
{
    private const string Calls = "tracktile.outbound.calls";
    private const string Duration = "tracktile.outbound.duration";

    /// <summary>Answers each request with the next of its answers (the last one again when they run out), and counts them.</summary>
    private sealed class Stub(params Func<HttpRequestMessage, CancellationToken, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var answer = answers[Math.Min(Requests++, answers.Length - 1)];
            return Task.FromResult(answer(request, cancellationToken));
        }
    }

    private static Func<HttpRequestMessage, CancellationToken, HttpResponseMessage> Status(HttpStatusCode status) => (_, _) => new HttpResponseMessage(status);

    private static Func<HttpRequestMessage, CancellationToken, HttpResponseMessage> Throws(Exception error) => (_, _) => throw error;

    private static HttpMessageInvoker Invoker(HttpMessageHandler inner, TimeProvider? timeProvider = null)
        => new(new OutboundCallHandler("erp", TestActivityLogs.Create(), timeProvider ?? TimeProvider.System) { InnerHandler = inner });

    private static Task<HttpResponseMessage> SendAsync(HttpMessageInvoker invoker, HttpMethod method, string url, CancellationToken cancellationToken = default)
        => invoker.SendAsync(new HttpRequestMessage(method, url), cancellationToken);

    [Theory]
    [InlineData("POST", "https://api.businesscentral.dynamics.com/v2.0/72f988bf-86f1-41af-91ab-2d7cd011db47/Production/api/v2.0/companies(6f2c8a59-1b7e-ef11-ac21-000d3a8a1b2c)/salesOrders", "POST salesOrders")]
    [InlineData("GET", "https://api.businesscentral.dynamics.com/v2.0/contoso.onmicrosoft.com/Production/api/v2.0/companies(6f2c8a59-1b7e-ef11-ac21-000d3a8a1b2c)/items?$filter=number%20eq%20'JAM-250'", "GET items")]
    [InlineData("POST", "https://api.businesscentral.dynamics.com/v2.0/t/Production/api/v2.0/companies(6f2c8a59-1b7e-ef11-ac21-000d3a8a1b2c)/salesOrders(0c0e3b5a-1b7e-ef11-ac21-000d3a8a1b2c)/Microsoft.NAV.shipAndInvoice", "POST salesOrders/Microsoft.NAV.shipAndInvoice")]
    [InlineData("GET", "https://api.businesscentral.dynamics.com/v2.0/t/Production/api/v2.0/companies?$filter=name%20eq%20'CRONUS'", "GET companies")]
    [InlineData("POST", "https://api.businesscentral.dynamics.com/v2.0/t/Production/api/v2.0/$batch", "POST $batch")]
    [InlineData("POST", "https://acme.myshopify.com/admin/api/2025-01/graphql.json", "POST graphql")]
    [InlineData("POST", "https://public-api.shiphero.com/graphql", "POST graphql")]
    [InlineData("POST", "https://public-api.shiphero.com/auth/refresh", "POST auth/refresh")]
    [InlineData("GET", "https://api.tracktile.io/v1/orders/ord_8Hq2x", "GET orders")]
    [InlineData("GET", "http://127.0.0.1:7200/tracktile/inventory/entities?productId=prod_jam", "GET inventory/entities")]
    [InlineData("POST", "https://api.tracktile.io/v1/hooks/hook_12/rotate", "POST hooks/rotate")]
    [InlineData("PATCH", "https://erp.example.com/api/v1/sales-orders/SO-10042", "PATCH sales-orders")]
    [InlineData("PUT", "https://erp.example.com/api/products/prod_jam", "PUT products")]
    [InlineData("GET", "https://erp.example.com/api/customers/ABC", "GET customers")]
    [InlineData("POST", "https://erp.example.com/api/shipments/4711/confirm", "POST shipments/confirm")]
    [InlineData("GET", "https://quickbooks.api.intuit.com/v3/company/9130350123456/query?query=select%20*%20from%20Customer&minorversion=75", "GET query")]
    [InlineData("POST", "https://quickbooks.api.intuit.com/v3/company/9130350123456/invoice?requestid=7d1f", "POST invoice")]
    [InlineData("POST", "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer", "POST tokens/bearer")]
    [InlineData("GET", "https://erp.example.com/", "GET /")]
    public void Operation_Request_MethodAndShortRouteWithoutIds(string method, string url, string operation)
        => Assert.Equal(operation, OutboundCallHandler.Operation(new HttpMethod(method), new Uri(url)));

    [Theory]
    [InlineData("https://erp.example.com/api/customers/cus_42?token=s3cr3t&since=2026-01-01", "cus_42", "s3cr3t")]
    [InlineData("https://erp.example.com/api/sales-orders/SO-10042/lines/7", "SO-10042", "7")]
    [InlineData("https://quickbooks.api.intuit.com/v3/company/9130350123456/invoice/146?requestid=7d1f", "9130350123456", "146")]
    [InlineData("https://api.businesscentral.dynamics.com/v2.0/t/Production/api/v2.0/companies(6f2c8a59-1b7e-ef11-ac21-000d3a8a1b2c)/customers(0c0e3b5a-1b7e-ef11-ac21-000d3a8a1b2c)", "6f2c8a59", "0c0e3b5a")]
    [InlineData("https://erp.example.com/api/products/JAM250", "JAM250", "?")]
    [InlineData("https://erp.example.com/api/products/ACME", "ACME", "?")]
    public void Operation_UrlWithIdsAndQuery_ContainsNeitherTheIdsNorTheQueryString(string url, string id, string other)
    {
        var operation = OutboundCallHandler.Operation(HttpMethod.Get, new Uri(url));

        Assert.DoesNotContain(id, operation, StringComparison.Ordinal);
        Assert.DoesNotContain(other, operation, StringComparison.Ordinal);
        Assert.DoesNotContain("=", operation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TracktileClient", "tracktile")]
    [InlineData("RestErpClient", "erp")]
    [InlineData("erp-token", "erp")]
    [InlineData("BusinessCentralClient", "businesscentral")]
    [InlineData("ShopifyClient", "shopify")]
    [InlineData("ShipHeroClient", "shiphero")]
    [InlineData("ShipHeroTokens", "shiphero")]
    [InlineData("QuickBooksClient", "quickbooks")]
    [InlineData("quickbooks-oauth", "quickbooks")]
    [InlineData("SomeOtherClient", "someotherclient")]
    public void SystemOf_ClientName_NamesItsSystem(string client, string system)
        => Assert.Equal(system, OutboundCallHandler.SystemOf(client));

    [Fact]
    public void SystemOf_TheAppsClientNames_MatchTheirConstants()
    {
        Assert.Equal("erp", OutboundCallHandler.SystemOf(TracktileFunctions.RestErp.RestErpTokenSource.TokenClientName));
        Assert.Equal("quickbooks", OutboundCallHandler.SystemOf(TracktileFunctions.QuickBooks.QuickBooksConnection.HttpClientName));
        Assert.Equal("tracktile", OutboundCallHandler.SystemOf(nameof(TracktileFunctions.Tracktile.TracktileClient)));
        Assert.Equal("erp", OutboundCallHandler.SystemOf(nameof(TracktileFunctions.RestErp.RestErpClient)));
        Assert.Equal("businesscentral", OutboundCallHandler.SystemOf(nameof(TracktileFunctions.BusinessCentral.BusinessCentralClient)));
        Assert.Equal("shopify", OutboundCallHandler.SystemOf(nameof(TracktileFunctions.Shopify.ShopifyClient)));
        Assert.Equal("shiphero", OutboundCallHandler.SystemOf(nameof(TracktileFunctions.ShipHero.ShipHeroClient)));
        Assert.Equal("quickbooks", OutboundCallHandler.SystemOf(nameof(TracktileFunctions.QuickBooks.QuickBooksClient)));
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, "200")]
    [InlineData(HttpStatusCode.Created, "201")]
    [InlineData(HttpStatusCode.NotFound, "404")]
    [InlineData(HttpStatusCode.TooManyRequests, "429")]
    [InlineData(HttpStatusCode.InternalServerError, "500")]
    public async Task SendAsync_Answered_CountsTheStatusCodeAsOutcome(HttpStatusCode status, string outcome)
    {
        using var capture = new TelemetryCapture();
        using var invoker = Invoker(new Stub(Status(status)));

        using var response = await SendAsync(invoker, HttpMethod.Post, "https://erp.example.com/api/sales-orders/SO-1?x=1");

        Assert.Equal(status, response.StatusCode);
        var (value, tags) = Assert.Single(capture.Of(Calls));
        Assert.Equal(1, value);
        Assert.Equal(("erp", "POST sales-orders", outcome), ((string?)tags["system"], (string?)tags["operation"], (string?)tags["outcome"]));
        Assert.Equal(tags, Assert.Single(capture.Of(Duration)).Tags);
    }

    [Fact]
    public async Task SendAsync_Answered_RecordsTheDurationInSeconds()
    {
        using var capture = new TelemetryCapture();
        var time = new FakeTimeProvider();
        using var invoker = Invoker(new Stub((_, _) =>
        {
            time.Advance(TimeSpan.FromMilliseconds(1500));
            return new HttpResponseMessage(HttpStatusCode.OK);
        }), time);

        using var _ = await SendAsync(invoker, HttpMethod.Get, "https://erp.example.com/api/customers/cus_1");

        Assert.Equal(1.5, Assert.Single(capture.Of(Duration)).Value, precision: 6);
    }

    [Fact]
    public async Task SendAsync_ConnectionRefused_CountsNetworkAndRethrowsTheSameException()
    {
        using var capture = new TelemetryCapture();
        var error = new HttpRequestException("connection refused");
        using var invoker = Invoker(new Stub(Throws(error)));

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => SendAsync(invoker, HttpMethod.Get, "https://erp.example.com/api/customers/cus_1"));

        Assert.Same(error, thrown);
        Assert.Equal("network", Assert.Single(capture.Of(Calls)).Tags["outcome"]);
    }

    [Fact]
    public async Task SendAsync_ResilienceTimeout_CountsTimeout()
    {
        using var capture = new TelemetryCapture();
        using var invoker = Invoker(new Stub(Throws(new TimeoutRejectedException("attempt timed out"))));

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => SendAsync(invoker, HttpMethod.Get, "https://erp.example.com/api/customers/cus_1"));

        Assert.Equal("timeout", Assert.Single(capture.Of(Calls)).Tags["outcome"]);
    }

    [Fact]
    public async Task SendAsync_CancelledNobodyAsked_CountsTimeout()
    {
        using var capture = new TelemetryCapture();
        using var invoker = Invoker(new Stub(Throws(new TaskCanceledException("HttpClient.Timeout", new TimeoutException()))));

        await Assert.ThrowsAsync<TaskCanceledException>(() => SendAsync(invoker, HttpMethod.Get, "https://erp.example.com/api/customers/cus_1"));

        Assert.Equal("timeout", Assert.Single(capture.Of(Calls)).Tags["outcome"]);
    }

    [Fact]
    public async Task SendAsync_CallerCancels_CountsCanceled()
    {
        using var capture = new TelemetryCapture();
        using var cancel = new CancellationTokenSource();
        using var invoker = Invoker(new Stub((_, token) =>
        {
            cancel.Cancel();
            token.ThrowIfCancellationRequested();
            return new HttpResponseMessage(HttpStatusCode.OK);
        }));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SendAsync(invoker, HttpMethod.Get, "https://erp.example.com/api/customers/cus_1", cancel.Token));

        Assert.Equal("canceled", Assert.Single(capture.Of(Calls)).Tags["outcome"]);
    }

    [Fact]
    public async Task AddTracktileTelemetry_ClientRetriedByItsResilienceHandler_OneRecordPerLogicalCall()
    {
        using var capture = new TelemetryCapture();
        var stub = new Stub(Status(HttpStatusCode.ServiceUnavailable), Status(HttpStatusCode.ServiceUnavailable), Status(HttpStatusCode.OK));
        var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(TestActivityLogs.Create())
            .AddTracktileTelemetry();
        services.AddHttpClient("TelemetryTestClient")
            .ConfigurePrimaryHttpMessageHandler(() => stub)
            .AddStandardResilienceHandler(o =>
            {
                o.Retry.Delay = TimeSpan.Zero;
                o.Retry.MaxRetryAttempts = 3;
            });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("TelemetryTestClient");

        using var response = await client.GetAsync(new Uri("https://telemetry.example.com/api/widgets/w_1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, stub.Requests); // two refusals retried inside the pipeline...
        var (_, tags) = Assert.Single(capture.Of(Calls)); // ...one call outside it, with the last attempt's outcome
        Assert.Equal(("telemetrytestclient", "GET widgets", "200"), ((string?)tags["system"], (string?)tags["operation"], (string?)tags["outcome"]));
    }
}
