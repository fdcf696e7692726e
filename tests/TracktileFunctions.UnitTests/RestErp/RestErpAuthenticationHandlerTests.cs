using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Erp;
using TracktileFunctions.RestErp;

namespace TracktileFunctions.UnitTests.RestErp;

public sealed class RestErpAuthenticationHandlerTests
{
    private static async Task<HttpRequestMessage> SendAsync(RestErpAuthOptions auth, StubHandler? tokenEndpoint = null)
    {
        var options = Options.Create(new RestErpOptions { Auth = auth });
        var tokens = new RestErpTokenSource(() => new HttpClient(tokenEndpoint ?? StubHandler.Json(HttpStatusCode.InternalServerError, "{}"), disposeHandler: false), options, new FakeTimeProvider());
        var erp = StubHandler.Json(HttpStatusCode.OK, "{}");
        using var client = new HttpClient(new RestErpAuthenticationHandler(options, tokens) { InnerHandler = erp });
        await client.GetAsync(new Uri("http://erp.test/x"));
        return erp.Requests.Single().Request;
    }

    [Fact]
    public async Task SendAsync_ApiKey_AddsConfiguredHeader()
    {
        var request = await SendAsync(new RestErpAuthOptions { Mode = ErpAuthMode.ApiKey, ApiKeyHeader = "X-Erp-Key", ApiKey = "k-123" });

        Assert.Equal("k-123", Assert.Single(request.Headers.GetValues("X-Erp-Key")));
        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task SendAsync_Bearer_AddsAuthorization()
    {
        var request = await SendAsync(new RestErpAuthOptions { Mode = ErpAuthMode.Bearer, Token = "t-1" });

        Assert.Equal("Bearer t-1", request.Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task SendAsync_Basic_AddsBase64Credentials()
    {
        var request = await SendAsync(new RestErpAuthOptions { Mode = ErpAuthMode.Basic, Username = "svc", Password = "p:w" });

        Assert.Equal("Basic c3ZjOnA6dw==", request.Headers.Authorization!.ToString());
    }

    [Fact]
    public async Task SendAsync_None_AddsNothing()
    {
        var request = await SendAsync(new RestErpAuthOptions());

        Assert.Null(request.Headers.Authorization);
    }

    [Fact]
    public async Task SendAsync_OAuth2_FetchesTokenOnceAndCachesIt()
    {
        var tokenEndpoint = StubHandler.Json(HttpStatusCode.OK, """{"access_token":"tok-9","token_type":"Bearer","expires_in":3600}""");
        var auth = new RestErpAuthOptions { Mode = ErpAuthMode.OAuth2ClientCredentials, TokenUrl = "http://idp.test/token", ClientId = "app", ClientSecret = "s3cret", Scope = "erp.write" };
        var options = Options.Create(new RestErpOptions { Auth = auth });
        using var tokens = new RestErpTokenSource(() => new HttpClient(tokenEndpoint, disposeHandler: false), options, new FakeTimeProvider());
        var erp = StubHandler.Json(HttpStatusCode.OK, "{}");
        using var client = new HttpClient(new RestErpAuthenticationHandler(options, tokens) { InnerHandler = erp });

        await client.GetAsync(new Uri("http://erp.test/a"));
        await client.GetAsync(new Uri("http://erp.test/b"));

        Assert.All(erp.Requests, r => Assert.Equal("Bearer tok-9", r.Request.Headers.Authorization!.ToString()));
        var tokenRequest = Assert.Single(tokenEndpoint.Requests);
        Assert.Contains("grant_type=client_credentials", tokenRequest.Body, StringComparison.Ordinal);
        Assert.Contains("scope=erp.write", tokenRequest.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_OAuth2TokenRefused_NextRequestFetchesNewToken()
    {
        var tokenEndpoint = StubHandler.Json(HttpStatusCode.OK, """{"access_token":"tok","expires_in":3600}""");
        var options = Options.Create(new RestErpOptions { Auth = new RestErpAuthOptions { Mode = ErpAuthMode.OAuth2ClientCredentials, TokenUrl = "http://idp.test/token", ClientId = "app", ClientSecret = "s" } });
        using var tokens = new RestErpTokenSource(() => new HttpClient(tokenEndpoint, disposeHandler: false), options, new FakeTimeProvider());
        var erp = StubHandler.Json(HttpStatusCode.Unauthorized, "{}");
        using var client = new HttpClient(new RestErpAuthenticationHandler(options, tokens) { InnerHandler = erp });

        await client.GetAsync(new Uri("http://erp.test/a"));
        await client.GetAsync(new Uri("http://erp.test/b"));

        Assert.Equal(2, tokenEndpoint.Requests.Count);
    }

    [Fact]
    public async Task GetTokenAsync_Expired_RequestsNewToken()
    {
        var time = new FakeTimeProvider();
        var tokenEndpoint = StubHandler.Json(HttpStatusCode.OK, """{"access_token":"tok","expires_in":600}""");
        var options = Options.Create(new RestErpOptions { Auth = new RestErpAuthOptions { Mode = ErpAuthMode.OAuth2ClientCredentials, TokenUrl = "http://idp.test/token", ClientId = "app", ClientSecret = "s" } });
        using var tokens = new RestErpTokenSource(() => new HttpClient(tokenEndpoint, disposeHandler: false), options, time);

        await tokens.GetTokenAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(539));
        await tokens.GetTokenAsync(CancellationToken.None);
        Assert.Single(tokenEndpoint.Requests);

        time.Advance(TimeSpan.FromSeconds(2));
        await tokens.GetTokenAsync(CancellationToken.None);
        Assert.Equal(2, tokenEndpoint.Requests.Count);
    }

    [Fact]
    public async Task GetTokenAsync_Refused_TransientConnectionFailureWithoutSecret()
    {
        var tokenEndpoint = StubHandler.Json(HttpStatusCode.BadRequest, """{"error":"invalid_client","error_description":"bad secret s3cret"}""");
        var options = Options.Create(new RestErpOptions { Auth = new RestErpAuthOptions { Mode = ErpAuthMode.OAuth2ClientCredentials, TokenUrl = "http://idp.test/token", ClientId = "app", ClientSecret = "s3cret" } });
        using var tokens = new RestErpTokenSource(() => new HttpClient(tokenEndpoint, disposeHandler: false), options, new FakeTimeProvider());

        var ex = await Assert.ThrowsAsync<ErpConnectionException>(() => tokens.GetTokenAsync(CancellationToken.None));

        Assert.Equal("invalid_client", ex.ErrorCode);
        Assert.True(ex.IsTransient, "a refused credential waits in the queue's retries; it does not poison every event");
        Assert.DoesNotContain("s3cret", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetTokenAsync_EndpointDoesNotAnswer_TransientConnectionFailure()
    {
        var tokenEndpoint = new StubHandler(_ => throw new HttpRequestException("connection refused"));
        var options = Options.Create(new RestErpOptions { Auth = new RestErpAuthOptions { Mode = ErpAuthMode.OAuth2ClientCredentials, TokenUrl = "http://idp.test/token", ClientId = "app", ClientSecret = "s" } });
        using var tokens = new RestErpTokenSource(() => new HttpClient(tokenEndpoint, disposeHandler: false), options, new FakeTimeProvider());

        var ex = await Assert.ThrowsAsync<ErpConnectionException>(() => tokens.GetTokenAsync(CancellationToken.None));

        Assert.Equal(0, ex.Status);
        Assert.True(ex.IsTransient);
    }

    [Theory]
    [InlineData(ErpAuthMode.ApiKey, "Erp:Auth:ApiKey")]
    [InlineData(ErpAuthMode.Bearer, "Erp:Auth:Token")]
    [InlineData(ErpAuthMode.Basic, "Erp:Auth:Username")]
    [InlineData(ErpAuthMode.OAuth2ClientCredentials, "Erp:Auth:TokenUrl")]
    public void Validate_ModeWithoutItsSettings_NamesTheSetting(ErpAuthMode mode, string setting)
    {
        var auth = new RestErpAuthOptions { Mode = mode };

        var errors = auth.Validate(new ValidationContext(auth)).ToList();

        Assert.Contains(errors, e => e.ErrorMessage!.StartsWith(setting, StringComparison.Ordinal));
    }
}
