using TracktileFunctions.IntegrationTests.Infrastructure;
using TracktileFunctions.Processing;
using Xunit.Abstractions;

namespace TracktileFunctions.IntegrationTests.BusinessCentral;

/// <summary>On-premises sign-in: HTTP Basic with a web service access key, no Entra at all.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class BusinessCentralBasicAuthTests(AzuriteFixture azurite, ITestOutputHelper output) : BusinessCentralTestBase(azurite, output)
{
    protected override IEnumerable<KeyValuePair<string, string?>> MoreSettings =>
    [
        new("BusinessCentral:Auth:Mode", "Basic"),
        new("BusinessCentral:Auth:Username", "BCUSER"),
        new("BusinessCentral:Auth:AccessKey", "bc-sandbox-access-key"),
        new("BusinessCentral:Auth:ClientSecret", null),
    ];

    [Fact]
    public async Task OrderEvent_BasicAuth_SalesOrderCreatedWithoutAnyTokenRequest()
    {
        await CreateOrderInBusinessCentralAsync(new DateTimeOffset(2024, 1, 15, 10, 0, 0, TimeSpan.Zero));

        Assert.Single(State.BcSalesOrders);
        Assert.All(State.Calls.Where(c => c.Path.StartsWith("/bc/", StringComparison.Ordinal)), c => Assert.Equal("Basic", c.AuthorizationScheme));
        Assert.DoesNotContain(State.Calls, c => c.Path.EndsWith("/oauth2/v2.0/token", StringComparison.Ordinal));
    }
}
