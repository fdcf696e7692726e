using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;
using TracktileFunctions.RestErp;

namespace TracktileFunctions.UnitTests.RestErp;

public sealed class RestErpConnectionCheckTests
{
    private static Task<ConnectionHealth> CheckAsync(RestErpOptions options)
        => new RestErpConnectionCheck(Options.Create(options)).CheckAsync(CancellationToken.None);

    [Fact]
    public async Task CheckAsync_BaseUrlAndOAuth_HealthyNamingAdapterAndTokenEndpoint()
    {
        var health = await CheckAsync(new RestErpOptions
        {
            BaseUrl = "https://erp.example.test/api/",
            Auth = new RestErpAuthOptions { Mode = ErpAuthMode.OAuth2ClientCredentials, TokenUrl = "https://id.example.test/token", ClientId = "c", ClientSecret = "s" },
        });

        Assert.True(health.Healthy);
        Assert.Equal(
        [
            "ERP adapter at https://erp.example.test/api/",
            "authenticates with OAuth 2.0 client credentials from https://id.example.test/token (the token is held in memory, not stored)",
            "nothing stored about the connection: settings only",
        ], health.Details);
    }

    [Fact]
    public async Task CheckAsync_NoBaseUrl_Unhealthy()
    {
        var health = await CheckAsync(new RestErpOptions { BaseUrl = "" });

        Assert.False(health.Healthy);
        Assert.Equal(["Erp:BaseUrl is not an absolute URL: set the ERP adapter's base address"], health.Details);
    }

    [Theory]
    [InlineData(ErpAuthMode.ApiKey)]
    [InlineData(ErpAuthMode.Bearer)]
    [InlineData(ErpAuthMode.Basic)]
    [InlineData(ErpAuthMode.OAuth2ClientCredentials)]
    public async Task CheckAsync_AnyAuthMode_DetailsNameNoSecret(ErpAuthMode mode)
    {
        var health = await CheckAsync(new RestErpOptions
        {
            BaseUrl = "https://erp-user:url-password@erp.example.test/api/?code=url-key",
            Auth = new RestErpAuthOptions
            {
                Mode = mode, ApiKey = "the-api-key", Token = "the-bearer-token", Username = "erp-user", Password = "the-password",
                TokenUrl = "https://id.example.test/token?key=token-url-key", ClientId = "client", ClientSecret = "the-client-secret",
            },
        });

        Assert.True(health.Healthy);
        foreach (var secret in new[] { "the-api-key", "the-bearer-token", "the-password", "the-client-secret", "url-password", "url-key", "token-url-key" })
        {
            Assert.DoesNotContain(health.Details, d => d.Contains(secret, StringComparison.Ordinal));
        }
    }
}
