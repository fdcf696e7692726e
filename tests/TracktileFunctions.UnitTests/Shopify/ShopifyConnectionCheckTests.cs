using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.Operations;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.UnitTests.Shopify;

public sealed class ShopifyConnectionCheckTests
{
    private static Task<ConnectionHealth> CheckAsync(ShopifyOptions options)
    {
        options.Normalize();
        return new ShopifyConnectionCheck(Options.Create(options), new ShopifyTokenCache(new FakeTimeProvider())).CheckAsync(CancellationToken.None);
    }

    [Fact]
    public async Task CheckAsync_TokenAndGrantShops_HealthyNamingHowEachGetsTokens()
    {
        var health = await CheckAsync(new ShopifyOptions
        {
            Shops = [new ShopifyShopOptions { Domain = "one.myshopify.com", AccessToken = "shpat_one" }, new ShopifyShopOptions { Domain = "two.myshopify.com" }],
            ClientId = "client-id",
            ClientSecrets = ["client-secret"],
            WebhookUrl = "https://app.example.test/api/webhooks/shopify",
        });

        Assert.True(health.Healthy);
        Assert.Equal(
        [
            "one.myshopify.com: Admin API access token configured",
            "two.myshopify.com: tokens from the client credentials grant (Shopify:ClientId)",
            "0 client credentials grant(s) made by this instance (tokens are held in memory, not stored)",
            "order webhook subscriptions are kept by Shopify, not stored by the app: POST /api/shopify/subscriptions creates the missing ones",
        ], health.Details);
    }

    [Fact]
    public async Task CheckAsync_ShopWithoutTokenOrClientCredentials_Unhealthy()
    {
        var health = await CheckAsync(new ShopifyOptions { Shops = [new ShopifyShopOptions { Domain = "one.myshopify.com" }], ClientSecrets = ["client-secret"] });

        Assert.False(health.Healthy);
        Assert.StartsWith("one.myshopify.com: no access token and no client credentials", health.Details[0], StringComparison.Ordinal);
        Assert.Equal("Shopify:WebhookUrl is not set: no order webhook subscriptions (the reconciliation imports orders)", health.Details[^1]);
    }

    [Fact]
    public async Task CheckAsync_TokensAndSecretsConfigured_DetailsNameNoSecret()
    {
        var health = await CheckAsync(new ShopifyOptions
        {
            Shops = [new ShopifyShopOptions { Domain = "one.myshopify.com", AccessToken = "shpat_the_token" }, new ShopifyShopOptions { Domain = "two.myshopify.com" }],
            ClientId = "client-id",
            ClientSecrets = ["the-client-secret", "the-old-client-secret"],
        });

        Assert.True(health.Healthy);
        foreach (var secret in new[] { "shpat_the_token", "the-client-secret", "the-old-client-secret" })
        {
            Assert.DoesNotContain(health.Details, d => d.Contains(secret, StringComparison.Ordinal));
        }
    }
}
