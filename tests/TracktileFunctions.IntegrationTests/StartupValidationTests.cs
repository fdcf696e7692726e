using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace TracktileFunctions.IntegrationTests;

/// <summary>A bad or missing setting stops the app at start with a message naming the setting.</summary>
public sealed class StartupValidationTests
{
    private static readonly Dictionary<string, string?> Valid = new()
    {
        ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
        ["Tracktile:Webhook:Secrets:0"] = "s",
        ["Erp:Webhook:Secrets:0"] = "s",
        ["Tracktile:Api:BaseUrl"] = "https://api.tracktile.io/",
        ["Tracktile:Api:Token"] = "api-token",
        ["Erp:BaseUrl"] = "https://erp.example.test/",
    };

    private static async Task<Exception?> StartAsync(string? remove = null, params (string Key, string Value)[] set)
    {
        var settings = new Dictionary<string, string?>(Valid);
        if (remove is not null)
        {
            settings.Remove(remove);
        }

        foreach (var (key, value) in set)
        {
            settings[key] = value;
        }

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTracktileFunctions(builder.Configuration);
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
            await host.StopAsync();
            return null;
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            return ex;
        }
    }

    [Fact]
    public async Task StartAsync_AllRequiredSettings_Starts()
        => Assert.Null(await StartAsync());

    [Fact]
    public async Task StartAsync_BusinessCentralWithoutItsSettings_FailsNamingThem()
    {
        var error = await StartAsync("Erp:BaseUrl", ("Erp:Provider", "BusinessCentral"));

        Assert.NotNull(error);
        Assert.Contains("BusinessCentral:CompanyId or BusinessCentral:CompanyName", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusinessCentral:TenantId", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_BusinessCentralConfigured_StartsWithoutTheRestErpsSettings()
        => Assert.Null(await StartAsync("Erp:BaseUrl",
            ("Erp:Provider", "BusinessCentral"), ("BusinessCentral:TenantId", "contoso.onmicrosoft.com"), ("BusinessCentral:CompanyName", "CRONUS USA, Inc."),
            ("BusinessCentral:Auth:ClientId", "00000000-0000-0000-0000-000000000001"), ("BusinessCentral:Auth:ClientSecret", "s"),
            ("BusinessCentral:Webhook:NotificationUrl", ""), ("BusinessCentral:Auth:AuthorityHost", "")));

    [Fact]
    public async Task StartAsync_BusinessCentralNotificationUrlWithoutClientState_FailsNamingIt()
    {
        var error = await StartAsync("Erp:BaseUrl",
            ("Erp:Provider", "BusinessCentral"), ("BusinessCentral:TenantId", "t"), ("BusinessCentral:CompanyName", "C"),
            ("BusinessCentral:Auth:ClientId", "a"), ("BusinessCentral:Auth:ClientSecret", "s"), ("BusinessCentral:Webhook:NotificationUrl", "https://app.example.test/api/webhooks/businesscentral"));

        Assert.NotNull(error);
        Assert.Contains("BusinessCentral:Webhook:ClientStates:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTracktileFunctions_UnknownErpProvider_ThrowsNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>(Valid) { ["Erp:Provider"] = "SAP" }).Build();

        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddTracktileFunctions(configuration));

        Assert.Contains("Erp__Provider", error.Message, StringComparison.Ordinal);
        Assert.Contains("BusinessCentral", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BusinessCentralServices_RestIsTheErp_ResolveAndDoNothing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Valid).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging()
            .AddTracktileFunctions(configuration).BuildServiceProvider();

        var report = await services.GetRequiredService<TracktileFunctions.BusinessCentral.BusinessCentralSubscriptions>().EnsureAsync(CancellationToken.None);
        var reconciled = await services.GetRequiredService<TracktileFunctions.BusinessCentral.BusinessCentralReconciliation>().TickAsync(force: true, CancellationToken.None);
        var reply = await services.GetRequiredService<TracktileFunctions.BusinessCentral.BusinessCentralWebhook>().ReceiveAsync("token", 0, Stream.Null, CancellationToken.None);

        Assert.Contains("not the ERP", report.Skipped, StringComparison.Ordinal);
        Assert.Null(reconciled);
        Assert.Equal(404, reply.StatusCode);
        Assert.IsType<TracktileFunctions.RestErp.RestErpClient>(services.GetRequiredService<TracktileFunctions.Erp.IErp>());
    }

    [Fact]
    public async Task StartAsync_ShopifyShopWithoutCredentials_FailsNamingThem()
    {
        var error = await StartAsync(null, ("Shopify:Shops:0:Domain", "my-store.myshopify.com"));

        Assert.NotNull(error);
        Assert.Contains("Shopify:Shops:N:AccessToken", error.Message, StringComparison.Ordinal);
        Assert.Contains("Shopify:ClientSecrets:0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ShopifyConfigured_Starts()
        => Assert.Null(await StartAsync(null,
            ("Shopify:Shops:0:Domain", "my-store.myshopify.com"), ("Shopify:ClientId", "client"), ("Shopify:ClientSecrets:0", "shpss_x"),
            ("Shopify:Stock:Locations:0:Node", "node_1"), ("Shopify:Stock:Locations:0:Location", "gid://shopify/Location/1")));

    [Fact]
    public async Task StartAsync_ShipHeroUserWithoutPassword_FailsNamingIt()
    {
        var error = await StartAsync(null, ("ShipHero:Username", "api@example.test"));

        Assert.NotNull(error);
        Assert.Contains("ShipHero:Password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShipHeroServices_Off_ResolveAndDoNothing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Valid).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging()
            .AddTracktileFunctions(configuration).BuildServiceProvider();

        var registration = await services.GetRequiredService<TracktileFunctions.ShipHero.ShipHeroWebhookRegistration>().EnsureAsync(CancellationToken.None);
        var reconciled = await services.GetRequiredService<TracktileFunctions.ShipHero.ShipHeroReconciliation>().RunAsync(CancellationToken.None);
        var reply = await services.GetRequiredService<TracktileFunctions.ShipHero.ShipHeroWebhook>().ReceiveAsync("x", "m", 0, Stream.Null, CancellationToken.None);
        var routes = services.GetRequiredService<IOptionsMonitor<TracktileFunctions.Webhooks.WebhookSourceOptions>>().Get(TracktileFunctions.Webhooks.WebhookSources.Tracktile).Routes;

        Assert.Contains("ShipHero is off", registration.Skipped, StringComparison.Ordinal);
        Assert.Null(reconciled);
        Assert.Equal(404, reply.StatusCode);
        Assert.DoesNotContain(routes, r => r.Queues.Contains(TracktileFunctions.Processing.QueueNames.ShipHeroShipments));
    }

    [Fact]
    public async Task ShopifyServices_NoShop_ResolveAndDoNothing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Valid).Build();
        await using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging()
            .AddTracktileFunctions(configuration).BuildServiceProvider();

        var subscriptions = await services.GetRequiredService<TracktileFunctions.Shopify.ShopifySubscriptions>().EnsureAsync(CancellationToken.None);
        var reconciled = await services.GetRequiredService<TracktileFunctions.Shopify.ShopifyOrderReconciliation>().RunAsync(CancellationToken.None);
        var repair = await services.GetRequiredKeyedService<TracktileFunctions.Store.StoreStockRepair>("shopify").RunAsync(CancellationToken.None);
        var reply = await services.GetRequiredService<TracktileFunctions.Shopify.ShopifyWebhook>().ReceiveAsync(
            new TracktileFunctions.Shopify.ShopifyWebhookHeaders("x", "s.myshopify.com", "orders/create", "id", null, 0), Stream.Null, CancellationToken.None);
        var routes = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<TracktileFunctions.Webhooks.WebhookSourceOptions>>().Get(TracktileFunctions.Webhooks.WebhookSources.Tracktile).Routes;

        Assert.Contains("Shopify is off", subscriptions.Skipped, StringComparison.Ordinal);
        Assert.Empty(reconciled);
        Assert.NotNull(repair.Skipped);
        Assert.Equal(404, reply.StatusCode);
        Assert.DoesNotContain(routes, r => r.Queues.Contains(TracktileFunctions.Processing.QueueNames.ShopifyInventory));
    }

    [Theory]
    [InlineData("Tracktile:Api:Token", "Tracktile:Api:Token")]
    [InlineData("Tracktile:Api:BaseUrl", "Tracktile:Api:BaseUrl")]
    [InlineData("Erp:BaseUrl", "Erp:BaseUrl")]
    public async Task StartAsync_RequiredSettingMissing_FailsNamingIt(string setting, string message)
    {
        var error = await StartAsync(remove: setting);

        Assert.NotNull(error);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tracktile:Webhook:Secrets:0")]
    [InlineData("Erp:Webhook:Secrets:0")]
    public async Task StartAsync_WebhookSourceWithoutSecret_StartsWithTheSourceOff(string setting)
        => Assert.Null(await StartAsync(remove: setting));

    [Fact]
    public async Task StartAsync_EmptyErpWebhookSecretSlots_StartsWithTheSourceOff()
        => Assert.Null(await StartAsync("Erp:Webhook:Secrets:0", ("Erp:Webhook:Secrets:0", ""), ("Erp:Webhook:Secrets:1", "")));

    [Theory]
    [InlineData("Storage:Connection", "OtherStorage", "Storage:Connection must be AzureWebJobsStorage")]
    [InlineData("ProductSync:Schedule", "every hour", "ProductSync:Schedule")]
    [InlineData("ProductSyncSchedule", "0 0 * * *", "ProductSync:Schedule")]
    [InlineData("Processing:HandlerTimeoutSeconds", "600", "HandlerTimeoutSeconds")]
    [InlineData("Erp:Auth:Mode", "Bearer", "Erp:Auth:Token")]
    [InlineData("Tracktile:Webhook:ToleranceSeconds", "0", "ToleranceSeconds")]
    [InlineData("Tracktile:Webhook:Routes:0:Kind", "order.status.changed", "at least one queue")]
    [InlineData("Erp:Resilience:MaxRetries", "0", "Erp:Resilience:MaxRetries")]
    [InlineData("Tracktile:Api:Products:PageSize", "0", "Tracktile:Api:Products:PageSize")]
    public async Task StartAsync_InvalidSetting_FailsNamingIt(string setting, string value, string message)
    {
        var error = await StartAsync(null, (setting, value));

        Assert.NotNull(error);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_Failure_DoesNotEchoSecrets()
    {
        var error = await StartAsync("Tracktile:Api:BaseUrl", ("Tracktile:Api:Token", "api-very-secret-token"));

        Assert.DoesNotContain("api-very-secret-token", error!.ToString(), StringComparison.Ordinal);
    }
}
