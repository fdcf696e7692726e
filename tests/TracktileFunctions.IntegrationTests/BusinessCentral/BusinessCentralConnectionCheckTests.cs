using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Operations;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>The status page's view of Business Central: the webhook subscriptions the app made and keeps in sync state.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralConnectionCheckTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    private const string SignIn = "signs in with Entra ID (ClientSecret, tenant sandbox-tenant); tokens are Azure.Identity's, not stored";

    private static Task<ConnectionHealth> CheckAsync(IServiceProvider app)
        => Assert.Single(app.GetServices<IConnectionCheck>(), c => c.System == "businesscentral").CheckAsync(CancellationToken.None);

    private ServiceProvider Build(IEnumerable<KeyValuePair<string, string?>> settings, TimeProvider? timeProvider = null)
        => TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, settings, timeProvider, ConfigureServices);

    [Fact]
    public async Task CheckAsync_NoSubscriptionStored_UnhealthyNamingTheRun()
    {
        var health = await CheckAsync(App);

        Assert.False(health.Healthy);
        Assert.Equal([$"company {State.BcCompanyName}", SignIn, "no subscription stored: run POST /api/businesscentral/subscriptions"], health.Details);
    }

    [Fact]
    public async Task CheckAsync_Subscribed_HealthyWithNextExpiry()
    {
        var report = await SubscribeAsync();
        Assert.Equal(["customers"], report.Created);

        var health = await CheckAsync(App);

        Assert.True(health.Healthy, string.Join(" | ", health.Details));
        Assert.StartsWith("1 of 1 webhook subscriptions registered; next expiry ", health.Details[2], StringComparison.Ordinal);
        Assert.EndsWith("(in 2 days)", health.Details[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SubscriptionPastItsExpiry_Unhealthy()
    {
        await SubscribeAsync();
        await using var later = Build(Settings, new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(4)));

        var health = await CheckAsync(later);

        Assert.False(health.Healthy);
        Assert.Equal("0 of 1 webhook subscriptions registered", health.Details[2]);
        Assert.StartsWith("customers: expired ", health.Details[3], StringComparison.Ordinal);
        Assert.EndsWith("(1 day ago): run POST /api/businesscentral/subscriptions (the hourly timer renews them)", health.Details[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_SubscriptionsOffBySettings_HealthySayingSo()
    {
        await using var off = Build([.. Settings, new("BusinessCentral:Webhook:NotificationUrl", null)]);

        var health = await CheckAsync(off);

        Assert.True(health.Healthy);
        Assert.Equal(
            "webhook subscriptions are off (BusinessCentral:Webhook:NotificationUrl and ClientStates are not both set): the reconciliation applies changes every 15 minutes",
            health.Details[2]);
    }

    [Fact]
    public async Task CheckAsync_Subscribed_DetailsNameNoSecret()
    {
        await SubscribeAsync();

        var health = await CheckAsync(App);

        Assert.True(health.Healthy);
        Assert.All(new[] { ClientState, "bc-sandbox-secret" }, secret => Assert.DoesNotContain(health.Details, d => d.Contains(secret, StringComparison.Ordinal)));
    }
}
