using System.ComponentModel.DataAnnotations;
using TracktileFunctions.Shopify;
using static TracktileFunctions.UnitTests.Shopify.ShopifyTestSettings;

namespace TracktileFunctions.UnitTests.Shopify;

public sealed class ShopifyOptionsTests
{
    private static List<string> Problems(ShopifyOptions options)
        => [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];

    [Fact]
    public void Validate_NoShops_OffAndNothingRequired()
        => Assert.Empty(Problems(new ShopifyOptions()));

    [Fact]
    public void Validate_Complete_NoProblem()
        => Assert.Empty(Problems(Options()));

    [Fact]
    public void Validate_ShopWithoutTokenOrClient_NamesBothWays()
    {
        var problems = Problems(Options(o => o.ClientId = null));

        Assert.Contains(problems, p => p.Contains("Shopify:Shops:N:AccessToken", StringComparison.Ordinal) && p.Contains("Shopify:ClientId", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoClientSecret_NamedBecauseWebhooksAreSignedWithIt()
        => Assert.Contains(Problems(Options(o => { o.ClientSecrets = [" "]; o.Shops[0].AccessToken = "shpat_x"; })),
            p => p.Contains("Shopify:ClientSecrets:0", StringComparison.Ordinal));

    [Theory]
    [InlineData("store.example.com")]
    [InlineData("https://x.myshopify.com")]
    public void Validate_NotAShopDomain_Named(string domain)
        => Assert.Contains(Problems(Options(o => o.Shops[0].Domain = domain)), p => p.Contains(domain, StringComparison.Ordinal));

    [Fact]
    public void Validate_LocationNotAGid_Named()
        => Assert.Contains(Problems(Options(o => o.Stock.Locations[0].Location = "1001")), p => p.Contains("Shopify:Stock:Locations:0", StringComparison.Ordinal));

    [Fact]
    public void Validate_TwoShopsLocationWithoutShop_NamesTheShopSetting()
        => Assert.Contains(Problems(Options(o => o.Shops.Add(new ShopifyShopOptions { Domain = "second.myshopify.com" }))),
            p => p.Contains("Shopify:Stock:Locations:0:Shop", StringComparison.Ordinal));

    [Fact]
    public void Validate_TwoShopsOnePrefix_NamedBecauseOrderNamesRepeatAcrossShops()
    {
        var shared = Options(o =>
        {
            o.Shops.Add(new ShopifyShopOptions { Domain = "second.myshopify.com" });
            o.Stock.Locations[0].Shop = Shop;
        });
        var own = Options(o =>
        {
            o.Shops.Add(new ShopifyShopOptions { Domain = "second.myshopify.com", ShortIdPrefix = "WHOLESALE-" });
            o.Stock.Locations[0].Shop = Shop;
        });

        Assert.Contains(Problems(shared), p => p.Contains("Shopify:Shops:N:ShortIdPrefix", StringComparison.Ordinal));
        Assert.Empty(Problems(own));
        Assert.Equal(("SHOP-", "WHOLESALE-"), (own.ShortIdPrefixOf(Shop), own.ShortIdPrefixOf("second.myshopify.com")));
    }

    [Fact]
    public void Normalize_EmptyAppSettingsForDefaults_DefaultsStand()
    {
        var options = Options(o => { o.ApiVersion = ""; o.Stock.RepairQuantityName = " "; o.Orders.CancelledStatus = ""; });

        Assert.Equal((ShopifyOptions.DefaultApiVersion, "on_hand", "cancelled"), (options.ApiVersion, options.Stock.RepairQuantityName, options.Orders.CancelledStatus));
    }

    [Fact]
    public void Normalize_ShopDomain_TrimmedAndLowerCased_ThenFound()
    {
        var options = Options(o => o.Shops[0].Domain = " Unit-Store.MyShopify.com ");

        Assert.Same(options.Shops[0], options.Shop("UNIT-STORE.myshopify.com"));
    }

    [Fact]
    public void StockFor_OneShop_DefaultsToIt_UnmappedNode_Null()
    {
        var options = Options();

        Assert.Equal((Shop, "gid://shopify/Location/1"), options.Stock.For("node-1", options));
        Assert.Null(options.Stock.For("node-2", options));
    }
}
