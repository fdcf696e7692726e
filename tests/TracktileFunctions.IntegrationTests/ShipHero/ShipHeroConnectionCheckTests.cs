using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Operations;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Secrets;
using TracktileFunctions.ShipHero;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.ShipHero;

/// <summary>The status page's view of ShipHero: the API user's stored tokens and the webhooks whose secrets the registration stored.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class ShipHeroConnectionCheckTests(AzuriteFixture azurite, ITestOutputHelper output) : ShipHeroTestBase(azurite, output)
{
    private Task<ConnectionHealth> CheckAsync()
        => Assert.Single(App.GetServices<IConnectionCheck>(), c => c.System == "shiphero").CheckAsync(CancellationToken.None);

    [Fact]
    public async Task CheckAsync_WebhooksNotRegistered_UnhealthyNamingTheRegistration()
    {
        var health = await CheckAsync();

        Assert.False(health.Healthy);
        Assert.Equal(
        [
            "no tokens stored yet: the app signs in (ShipHero:Username) at its first ShipHero call",
            $"0 of 2 webhooks registered for shop {SandboxState.ShipHeroShopName} (their secrets stored); missing: Shipment Update, Inventory Update: run POST /api/shiphero/webhooks",
        ], health.Details);
    }

    [Fact]
    public async Task CheckAsync_WebhooksRegistered_HealthyWithTokenExpiry()
    {
        var report = await RegisterAsync();
        Assert.Equal(ShipHeroWebhook.Types, report.Created);

        var health = await CheckAsync();

        Assert.True(health.Healthy, string.Join(" | ", health.Details));
        Assert.StartsWith("access token expires ", health.Details[0], StringComparison.Ordinal);
        Assert.EndsWith("(in 27 days); refresh token stored", health.Details[0], StringComparison.Ordinal);
        Assert.Equal($"2 of 2 webhooks registered for shop {SandboxState.ShipHeroShopName} (their secrets stored)", health.Details[1]);
    }

    [Fact]
    public async Task CheckAsync_WebhooksRegistered_DetailsNameNoTokenOrSecret()
    {
        await RegisterAsync();
        var store = App.GetRequiredService<ISecretStore>();
        using var tokens = JsonDocument.Parse((await store.GetAsync(ShipHeroTokens.SecretName, CancellationToken.None))!);
        List<string> secrets = [tokens.RootElement.GetProperty("AccessToken").GetString()!, tokens.RootElement.GetProperty("RefreshToken").GetString()!, SandboxState.ShipHeroPassword];
        foreach (var type in ShipHeroWebhook.Types)
        {
            secrets.Add((await store.GetAsync(ShipHeroWebhookSecrets.SecretName(type), CancellationToken.None))!);
        }

        var health = await CheckAsync();

        Assert.True(health.Healthy);
        Assert.All(secrets, secret => Assert.DoesNotContain(health.Details, d => d.Contains(secret, StringComparison.Ordinal)));
    }
}
