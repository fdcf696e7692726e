using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Operations;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sandbox;
using TracktileFunctions.Secrets;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.QuickBooks;

/// <summary>The status page's view of the QuickBooks connection, read from what the connect flow and the refreshes stored.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class QuickBooksConnectionCheckTests(AzuriteFixture azurite, ITestOutputHelper output) : QuickBooksTestBase(azurite, output)
{
    private static Task<ConnectionHealth> CheckAsync(IServiceProvider app)
        => Assert.Single(app.GetServices<IConnectionCheck>(), c => c.System == "quickbooks").CheckAsync(CancellationToken.None);

    [Fact]
    public async Task CheckAsync_NotConnected_UnhealthyNamingTheConnectRoute()
    {
        var health = await CheckAsync(App);

        Assert.False(health.Healthy);
        Assert.Equal(["no company connected: open /api/connect/quickbooks (function key) and connect one"], health.Details);
    }

    [Fact]
    public async Task CheckAsync_Connected_HealthyWithCompanyAndRefreshTokenExpiry()
    {
        await ConnectAsync();

        var health = await CheckAsync(App);

        Assert.True(health.Healthy, string.Join(" | ", health.Details));
        Assert.Equal($"connected to company {Realm}", health.Details[0]);
        Assert.StartsWith("refresh token expires ", health.Details[1], StringComparison.Ordinal);
        Assert.EndsWith("(in 100 days)", health.Details[1], StringComparison.Ordinal);
        Assert.StartsWith("access token refreshed ", health.Details[2], StringComparison.Ordinal);
        Assert.StartsWith("access token expires ", health.Details[3], StringComparison.Ordinal);
        Assert.EndsWith("(in 59 minutes)", health.Details[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_RefreshTokenRefused_UnhealthyRevoked()
    {
        await ConnectAsync();
        var connection = App.GetRequiredService<QuickBooksConnection>();
        var (token, _) = await connection.GetAsync(null, CancellationToken.None);
        State.RevokeQuickBooksConnection();
        await Assert.ThrowsAsync<QuickBooksConnectionException>(() => connection.GetAsync(token, CancellationToken.None)); // the refresh is refused: revoked

        var health = await CheckAsync(App);

        Assert.False(health.Healthy);
        Assert.Equal(
        [
            $"connection to company {Realm} revoked: Intuit refused the refresh token (invalid_grant)",
            "connect it again at /api/connect/quickbooks (function key), then replay the poisoned events",
        ], health.Details);
    }

    [Fact]
    public async Task CheckAsync_RefreshTokenPastItsExpiry_UnhealthyAskingToConnectAgain()
    {
        await ConnectAsync();
        await using var later = TestApp.Build(Azurite.ConnectionString, Output, Sandbox.TracktileBaseAddress, Sandbox.ErpBaseAddress, Settings,
            timeProvider: new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(102)));

        var health = await CheckAsync(later);

        Assert.False(health.Healthy);
        Assert.Equal($"connected to company {Realm}", health.Details[0]);
        Assert.StartsWith("refresh token expired ", health.Details[1], StringComparison.Ordinal);
        Assert.EndsWith("(1 day ago): connect again at /api/connect/quickbooks (function key)", health.Details[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_Connected_DetailsNameNoTokenOrSecret()
    {
        await ConnectAsync();
        var stored = await App.GetRequiredService<ISecretStore>().GetAsync(QuickBooksConnection.SecretName, CancellationToken.None);
        using var json = JsonDocument.Parse(stored!);
        string[] secrets = [json.RootElement.GetProperty("AccessToken").GetString()!, json.RootElement.GetProperty("RefreshToken").GetString()!, SandboxState.QuickBooksClientSecret];

        var health = await CheckAsync(App);

        Assert.True(health.Healthy);
        Assert.All(secrets, secret => Assert.DoesNotContain(health.Details, d => d.Contains(secret, StringComparison.Ordinal)));
    }
}
