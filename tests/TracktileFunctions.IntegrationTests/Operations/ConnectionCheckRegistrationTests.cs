using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Operations;

namespace TracktileFunctions.IntegrationTests.Operations;

/// <summary>Which connection checks the status page lists: one per system that is on.</summary>
public sealed class ConnectionCheckRegistrationTests
{
    private static readonly KeyValuePair<string, string?>[] QuickBooks =
    [
        new("QuickBooks:ClientId", "qbo-client"), new("QuickBooks:ClientSecret", "qbo-secret"), new("QuickBooks:RedirectUri", "https://app.example.test/api/connect/quickbooks/callback"),
    ];

    private static readonly KeyValuePair<string, string?>[] BusinessCentral =
    [
        new("Erp:Provider", "BusinessCentral"), new("BusinessCentral:TenantId", "tenant"), new("BusinessCentral:CompanyName", "CRONUS"),
        new("BusinessCentral:Auth:ClientId", "client"), new("BusinessCentral:Auth:ClientSecret", "secret"),
    ];

    private static readonly KeyValuePair<string, string?>[] Shopify =
    [
        new("Shopify:Shops:0:Domain", "one.myshopify.com"), new("Shopify:Shops:0:AccessToken", "shpat_x"), new("Shopify:ClientSecrets:0", "s"),
    ];

    private static readonly KeyValuePair<string, string?>[] ShipHero = [new("ShipHero:RefreshToken", "refresh")];

    private static readonly KeyValuePair<string, string?>[] Blank = [new("QuickBooks:ClientId", " "), new("ShipHero:Username", ""), new("Shopify:Shops:0:Domain", " ")];

    private static List<(string System, string Role)> Checks(params KeyValuePair<string, string?>[][] systems)
    {
        using var app = TestApp.Build("UseDevelopmentStorage=true", settings: systems.SelectMany(s => s));
        return [.. app.GetServices<IConnectionCheck>().Select(c => (c.System, c.Role)).OrderBy(c => c.System, StringComparer.Ordinal)];
    }

    [Fact]
    public void Build_DefaultSettings_TracktileAndErpOnly()
        => Assert.Equal([("erp", "erp"), ("tracktile", "operations")], Checks());

    [Fact]
    public void Build_QuickBooksConfigured_AddsQuickBooks()
        => Assert.Equal([("erp", "erp"), ("quickbooks", "accounting"), ("tracktile", "operations")], Checks(QuickBooks));

    [Fact]
    public void Build_BusinessCentralIsTheErp_BusinessCentralInsteadOfTheRestErp()
        => Assert.Equal([("businesscentral", "erp"), ("tracktile", "operations")], Checks(BusinessCentral));

    [Fact]
    public void Build_EverySystemOn_OneCheckEach()
        => Assert.Equal(
            [("businesscentral", "erp"), ("quickbooks", "accounting"), ("shiphero", "warehouse"), ("shopify", "store"), ("tracktile", "operations")],
            Checks(BusinessCentral, QuickBooks, Shopify, ShipHero));

    [Fact]
    public void Build_SystemSettingsBlank_NoCheckForThem()
        => Assert.Equal([("erp", "erp"), ("tracktile", "operations")],
            Checks(Blank));
}
