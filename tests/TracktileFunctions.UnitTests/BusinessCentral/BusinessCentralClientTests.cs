using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Processing;

namespace TracktileFunctions.UnitTests.BusinessCentral;

public sealed class BusinessCentralClientTests
{
    private const string CompanyId = "11111111-2222-3333-4444-555555555555";
    private const string Root = "https://bc.test/v2.0/tenant-1/production/api/v2.0/";

    private static readonly BusinessCentralOptions Settings = new()
    {
        BaseUrl = "https://bc.test/v2.0", TenantId = "tenant-1", Environment = "production", CompanyId = CompanyId, PageSize = 2,
    };

    private static BusinessCentralClient Client(StubHandler handler, BusinessCentralOptions? options = null)
    {
        var o = Options.Create(options ?? Settings);
        return new BusinessCentralClient(new HttpClient(handler) { BaseAddress = o.Value.ApiRoot }, new BusinessCentralCompany(o), o);
    }

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK)
        => new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    [Fact]
    public void ApiRoot_OnlineSettings_IsTenantAndEnvironmentScoped()
        => Assert.Equal(Root, Settings.ApiRoot.ToString());

    [Fact]
    public void ApiRoot_OnPremisesWithoutTenant_IsTheInstance()
        => Assert.Equal("https://bc.example.com:7048/BC/api/v2.0/", new BusinessCentralOptions { BaseUrl = "https://bc.example.com:7048/BC", TenantId = null }.ApiRoot.ToString());

    [Fact]
    public async Task FindAsync_QuoteInNumber_EscapedODataLiteralInCompanyScope()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, """{"value":[{"id":"x","number":"O'BRIEN"}]}""");

        var found = await Client(handler).FindAsync("items", $"number eq {BusinessCentralClient.Literal("O'BRIEN")}", CancellationToken.None);

        Assert.Equal("O'BRIEN", found!.Value.GetProperty("number").GetString());
        var uri = Assert.Single(handler.Requests).Request.RequestUri!;
        Assert.Equal($"{Root}companies({CompanyId})/items", uri.GetLeftPart(UriPartial.Path));
        Assert.Equal("$filter=number eq 'O''BRIEN'&$top=1", Uri.UnescapeDataString(uri.Query.TrimStart('?')));
    }

    [Fact]
    public async Task ListAsync_NextLinks_FollowedVerbatimWithPageSizePreference()
    {
        var handler = new StubHandler(request => request.RequestUri!.Query.Contains("skiptoken", StringComparison.Ordinal)
            ? Json("""{"value":[{"id":"3"}]}""")
            : Json($$"""{"value":[{"id":"1"},{"id":"2"}],"@odata.nextLink":"{{Root}}companies({{CompanyId}})/customers?$skiptoken=abc"}"""));

        var ids = new List<string>();
        await foreach (var customer in Client(handler).ListAsync("customers", null, CancellationToken.None))
        {
            ids.Add(customer.GetProperty("id").GetString()!);
        }

        Assert.Equal(["1", "2", "3"], ids);
        Assert.Equal(2, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.Equal("odata.maxpagesize=2", string.Join(",", r.Request.Headers.GetValues("Prefer"))));
        Assert.Equal($"{Root}companies({CompanyId})/customers?$skiptoken=abc", handler.Requests[1].Request.RequestUri!.ToString());
    }

    [Fact]
    public async Task ListAsync_NextLinkToAnotherHost_IsRefused()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, """{"value":[],"@odata.nextLink":"https://evil.test/steal"}""");

        var ex = await Assert.ThrowsAsync<BusinessCentralApiException>(async () =>
        {
            await foreach (var _ in Client(handler).ListAsync("customers", null, CancellationToken.None))
            {
            }
        });

        Assert.Contains("nextLink", ex.Message, StringComparison.Ordinal);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task PatchAsync_Conflict_CarriesBusinessCentralsErrorAndIsTransient()
    {
        var handler = StubHandler.Json(HttpStatusCode.Conflict, """{"error":{"code":"Request_EntityChanged","message":"Another user has already changed the record."}}""");

        var ex = await Assert.ThrowsAsync<BusinessCentralApiException>(() =>
            Client(handler).PatchAsync("items(0f6a1bd8-0000-0000-0000-000000000001)", new { displayName = "x" }, "W/\"JzE7Jw==\"", CancellationToken.None));

        Assert.Equal("Request_EntityChanged", ex.ErrorCode);
        Assert.Contains("Another user has already changed the record.", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.IsEntityChanged);
        Assert.True(ex.IsTransient);
        Assert.Equal("W/\"JzE7Jw==\"", string.Join(",", Assert.Single(handler.Requests).Request.Headers.GetValues("If-Match")));
    }

    [Theory]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(408, true)]
    [InlineData(409, true)]
    [InlineData(429, true)]
    [InlineData(503, true)]
    public void IsTransient_Status_FollowsBusinessCentralsRetryRules(int status, bool transient)
        => Assert.Equal(transient, new BusinessCentralApiException(status, null, null, "x").IsTransient);

    [Fact]
    public void Key_NotAGuid_IsPermanent()
        => Assert.Throws<PermanentProcessingException>(() => BusinessCentralClient.Key("customers", "../companies"));

    [Fact]
    public async Task IdAsync_CompanyName_LookedUpOnceAndCached()
    {
        var handler = StubHandler.Json(HttpStatusCode.OK, $$"""{"value":[{"id":"{{CompanyId}}","name":"CRONUS"}]}""");
        var options = new BusinessCentralOptions { BaseUrl = "https://bc.test/v2.0", TenantId = "t", CompanyName = "CRONUS" };
        var client = Client(handler, options);

        await client.FindAsync("items", "number eq 'A'", CancellationToken.None);
        await client.FindAsync("items", "number eq 'B'", CancellationToken.None);

        Assert.Equal(3, handler.Requests.Count);
        Assert.Equal("$filter=name eq 'CRONUS'", Uri.UnescapeDataString(handler.Requests[0].Request.RequestUri!.Query.TrimStart('?')));
        Assert.Contains($"companies({CompanyId})/items", handler.Requests[2].Request.RequestUri!.ToString(), StringComparison.Ordinal);
    }
}
