using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TracktileFunctions.Shopify;
using static TracktileFunctions.UnitTests.Shopify.ShopifyTestSettings;

namespace TracktileFunctions.UnitTests.Shopify;

public sealed class ShopifyClientTests
{
    private static readonly JsonObject NoVariables = [];

    [Fact]
    public async Task ExecuteAsync_ClientCredentials_GrantsOnceThenSendsTheTokenToThePinnedVersion()
    {
        var handler = new StubHandler(r => IsToken(r) ? Token() : Data("""{"shop":{"name":"x"}}"""));
        var client = Client(handler);

        await client.ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None);
        await client.ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None);

        Assert.Single(handler.Requests, r => IsToken(r.Request));
        var grant = handler.Requests.Single(r => IsToken(r.Request));
        Assert.Equal("grant_type=client_credentials&client_id=unit-client&client_secret=shpss_unit_secret", grant.Body);
        var calls = handler.Requests.Where(r => !IsToken(r.Request)).ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c =>
        {
            Assert.Equal($"https://{Shop}/admin/api/{ShopifyOptions.DefaultApiVersion}/graphql.json", c.Request.RequestUri!.ToString());
            Assert.Equal("shpat_granted", c.Request.Headers.GetValues("X-Shopify-Access-Token").Single());
            using var body = JsonDocument.Parse(c.Body!);
            Assert.Equal("WebhookSubscriptions", body.RootElement.GetProperty("operationName").GetString());
        });
    }

    [Fact]
    public async Task ExecuteAsync_TokenRefused401_GrantsAgainOnceAndRetries()
    {
        var grants = 0;
        var handler = new StubHandler(r =>
        {
            if (IsToken(r))
            {
                return Token($"shpat_{++grants}");
            }

            return r.Headers.GetValues("X-Shopify-Access-Token").Single() == "shpat_1"
                ? Json("""{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}""", HttpStatusCode.Unauthorized)
                : Json("""{"data":{"ok":true}}""");
        });

        var data = await Client(handler).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None);

        Assert.True(data.GetProperty("ok").GetBoolean());
        Assert.Equal(2, grants);
    }

    [Fact]
    public async Task ExecuteAsync_ConfiguredToken401_FailsTransientWithoutAGrant()
    {
        var handler = new StubHandler(r => Json("""{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}""", HttpStatusCode.Unauthorized));
        var options = Options(o => o.Shops[0].AccessToken = "shpat_static");

        var ex = await Assert.ThrowsAsync<ShopifyApiException>(() => Client(handler, options).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None));

        Assert.Equal(401, ex.Status);
        Assert.True(ex.IsTransient);
        Assert.DoesNotContain(handler.Requests, r => IsToken(r.Request));
        Assert.DoesNotContain("shpat_static", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HttpStatusCode.OK)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    public async Task ExecuteAsync_Throttled_WaitsForTheBucketThenSucceeds(HttpStatusCode throttledStatus)
    {
        var calls = 0;
        var handler = new StubHandler(r => IsToken(r) ? Token()
            : ++calls == 1
                ? Errors("""[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]""", Cost(requested: 20, available: 5, restore: 100), throttledStatus)
                : Data("""{"ok":true}"""));
        var data = await Client(handler).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None);

        Assert.True(data.GetProperty("ok").GetBoolean());
        Assert.Equal(2, calls);
    }

    [Theory]
    [InlineData(20, 5, 100, null, 0.15)]
    [InlineData(20, 500, 100, null, 0.1)]
    [InlineData(0, 0, 0, 3.0, 3.0)]
    [InlineData(0, 0, 0, null, 1.0)]
    public void ThrottleWaitFor_CostBucketOrRetryAfter_WaitsUntilItCanBeAfforded(double requested, double available, double restore, double? retryAfter, double seconds)
        => Assert.Equal(TimeSpan.FromSeconds(seconds),
            new ShopifyClient.Throttle(requested, 2000, available, restore).WaitFor(retryAfter is { } r ? TimeSpan.FromSeconds(r) : null));

    [Fact]
    public async Task ExecuteAsync_ThrottledLongerThanAllowed_TransientWithoutWaitingItOut()
    {
        var handler = new StubHandler(r => IsToken(r) ? Token()
            : Errors("""[{"message":"Throttled","extensions":{"code":"THROTTLED"}}]""", Cost(requested: 1000, available: 0, restore: 1)));

        var ex = await Assert.ThrowsAsync<ShopifyApiException>(() => Client(handler).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None));

        Assert.Equal("THROTTLED", ex.ErrorCode);
        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task ExecuteAsync_InvalidQuery_PermanentWithShopifysMessage()
    {
        var handler = new StubHandler(r => IsToken(r) ? Token()
            : Json("""{"errors":[{"message":"Field 'nope' doesn't exist on type 'QueryRoot'","extensions":{"code":"undefinedField"}}]}"""));

        var ex = await Assert.ThrowsAsync<ShopifyApiException>(() => Client(handler).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None));

        Assert.False(ex.IsTransient);
        Assert.Contains("Field 'nope' doesn't exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_InternalError_Transient()
    {
        var handler = new StubHandler(r => IsToken(r) ? Token()
            : Json("""{"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"""));

        var ex = await Assert.ThrowsAsync<ShopifyApiException>(() => Client(handler).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None));

        Assert.True(ex.IsTransient);
    }

    [Fact]
    public async Task ExecuteAsync_GrantRefused_NamesTheSettingsNotTheSecret()
    {
        var handler = new StubHandler(r => Json("""{"error":"invalid_client","error_description":"shpss_unit_secret is wrong"}""", HttpStatusCode.BadRequest));

        var ex = await Assert.ThrowsAsync<ShopifyApiException>(() => Client(handler).ExecuteAsync(Shop, ShopifyDocuments.WebhookSubscriptions, NoVariables, CancellationToken.None));

        Assert.Contains("Shopify:ClientId", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThrowOnUserErrors_RetryableCode_Transient_OtherCodes_Permanent()
    {
        using var retryable = JsonDocument.Parse("""{"userErrors":[{"code":"IDEMPOTENCY_CONCURRENT_REQUEST","field":["input"],"message":"busy"}]}""");
        using var refused = JsonDocument.Parse("""{"userErrors":[{"code":"INVALID_LOCATION","field":["input","changes","0","locationId"],"message":"The specified location could not be found."}]}""");

        Assert.True(Assert.Throws<ShopifyApiException>(() => ShopifyClient.ThrowOnUserErrors(retryable.RootElement, "adjust", "IDEMPOTENCY_CONCURRENT_REQUEST")).IsTransient);
        var ex = Assert.Throws<ShopifyApiException>(() => ShopifyClient.ThrowOnUserErrors(refused.RootElement, "adjust", "IDEMPOTENCY_CONCURRENT_REQUEST"));
        Assert.False(ex.IsTransient);
        Assert.Contains("input.changes.0.locationId", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SearchTerm_QuotesAndBackslashes_Escaped()
        => Assert.Equal("sku:\"A\\\"B\\\\C\"", ShopifyClient.SearchTerm("sku", "A\"B\\C"));
}
