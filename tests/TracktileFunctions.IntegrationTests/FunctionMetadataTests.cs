using System.Text.Json;

namespace TracktileFunctions.IntegrationTests;

/// <summary>
/// The build's <c>functions.metadata</c> is what <c>func start</c> and Azure load: every trigger, route, method, auth
/// level, queue and schedule is asserted here, since the Functions host itself cannot run on this machine.
/// </summary>
public sealed class FunctionMetadataTests
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    });

    private static JsonElement Trigger(string function)
    {
        Assert.True(Functions.Value.TryGetValue(function, out var metadata), $"{function} is not in functions.metadata");
        Assert.Equal("dotnet-isolated", metadata.GetProperty("language").GetString());
        Assert.Equal("TracktileFunctions.dll", metadata.GetProperty("scriptFile").GetString());
        return metadata.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal));
    }

    [Fact]
    public void Metadata_EveryFunction_IsListedAndNothingElse()
        => Assert.Equal(
            new[]
            {
                "BusinessCentralNotificationsFunction", "BusinessCentralReconciliationFunction", "BusinessCentralSubscriptionsHttpFunction",
                "BusinessCentralSubscriptionsTimerFunction", "BusinessCentralWebhookFunction", "DashboardFunction", "ErpCustomerEventsFunction", "ErpWebhookFunction", "FailuresFunction", "HealthFunction", "InventoryEventsFunction", "OrderEventsFunction",
                "ProductSyncHttpFunction", "ProductSyncRequestFunction", "ProductSyncTimerFunction", "ProductUpsertFunction",
                "QuickBooksCallbackFunction", "QuickBooksConnectFunction", "QuickBooksCustomersFunction", "QuickBooksEventsFunction", "QuickBooksInvoicesFunction",
                "QuickBooksProductsFunction", "QuickBooksReconciliationFunction", "QuickBooksWebhookFunction",
                "ReplayPoisonFunction", "ShipHeroEventsFunction", "ShipHeroReconciliationFunction", "ShipHeroShipmentsFunction", "ShipHeroStockFunction",
                "ShipHeroWebhookFunction", "ShipHeroWebhooksHttpFunction", "ShipmentEventsFunction", "ShopifyOrdersFunction", "ShopifyReconciliationFunction", "ShopifyStockFunction",
                "ShopifyStockRepairFunction", "ShopifyStockRepairHttpFunction", "ShopifySubscriptionsHttpFunction", "ShopifyWebhookFunction",
                "StatusFunction", "StoreProductsFunction", "TracktileCustomerEventsFunction", "TracktileRotateHttpFunction", "TracktileSetupHttpFunction", "TracktileWebhookFunction",
            },
            Functions.Value.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("TracktileWebhookFunction", "webhooks/tracktile", "Anonymous")]
    [InlineData("ErpWebhookFunction", "webhooks/erp", "Anonymous")]
    [InlineData("ShopifyWebhookFunction", "webhooks/shopify", "Anonymous")]
    [InlineData("ShipHeroWebhookFunction", "webhooks/shiphero", "Anonymous")]
    [InlineData("QuickBooksWebhookFunction", "webhooks/quickbooks", "Anonymous")]
    [InlineData("ShipHeroWebhooksHttpFunction", "shiphero/webhooks", "Function")]
    [InlineData("ShopifySubscriptionsHttpFunction", "shopify/subscriptions", "Function")]
    [InlineData("ShopifyStockRepairHttpFunction", "shopify/stock-repair", "Function")]
    [InlineData("BusinessCentralSubscriptionsHttpFunction", "businesscentral/subscriptions", "Function")]
    [InlineData("ProductSyncHttpFunction", "sync/products", "Function")]
    [InlineData("ReplayPoisonFunction", "ops/replay/{queue}", "Function")]
    [InlineData("TracktileSetupHttpFunction", "setup/tracktile", "Function")]
    [InlineData("TracktileRotateHttpFunction", "setup/tracktile/rotate", "Function")]
    public void Metadata_HttpTrigger_HasRoutePostOnlyAndAuthLevel(string function, string route, string authLevel)
    {
        var trigger = Trigger(function);

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(["post"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
    }

    [Theory]
    [InlineData("OrderEventsFunction", "tracktile-orders")]
    [InlineData("ShipmentEventsFunction", "tracktile-shipments")]
    [InlineData("InventoryEventsFunction", "tracktile-inventory")]
    [InlineData("ProductUpsertFunction", "tracktile-products")]
    [InlineData("ProductSyncRequestFunction", "product-sync-requests")]
    [InlineData("ErpCustomerEventsFunction", "erp-customers")]
    [InlineData("TracktileCustomerEventsFunction", "tracktile-customers")]
    [InlineData("BusinessCentralNotificationsFunction", "businesscentral-notifications")]
    [InlineData("ShopifyOrdersFunction", "shopify-orders")]
    [InlineData("ShopifyStockFunction", "shopify-inventory")]
    [InlineData("StoreProductsFunction", "store-products")]
    [InlineData("ShipHeroShipmentsFunction", "shiphero-shipments")]
    [InlineData("ShipHeroStockFunction", "shiphero-inventory")]
    [InlineData("ShipHeroEventsFunction", "shiphero-events")]
    [InlineData("QuickBooksInvoicesFunction", "quickbooks-invoices")]
    [InlineData("QuickBooksCustomersFunction", "quickbooks-customers")]
    [InlineData("QuickBooksEventsFunction", "quickbooks-events")]
    [InlineData("QuickBooksProductsFunction", "quickbooks-products")]
    public void Metadata_QueueTrigger_ListensOnItsQueueWithTheDefaultConnection(string function, string queue)
    {
        var trigger = Trigger(function);

        Assert.Equal("queueTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(queue, trigger.GetProperty("queueName").GetString());
        Assert.False(trigger.TryGetProperty("connection", out var connection) && connection.GetString() is { Length: > 0 },
            "queue triggers use AzureWebJobsStorage, the connection the app's own clients use");
    }

    [Theory]
    [InlineData("QuickBooksConnectFunction", "connect/quickbooks", "Function")]
    [InlineData("QuickBooksCallbackFunction", "connect/quickbooks/callback", "Anonymous")]
    [InlineData("StatusFunction", "status", "Function")]
    [InlineData("FailuresFunction", "ops/failures/{queue?}", "Function")]
    [InlineData("HealthFunction", "health", "Anonymous")]
    public void Metadata_GetRoute_GetOnlyWithItsAuthLevel(string function, string route, string authLevel)
    {
        var trigger = Trigger(function);

        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void Metadata_Dashboard_GetOnlyWithTheFunctionKey()
    {
        var trigger = Trigger("DashboardFunction");

        Assert.Equal("httpTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("dashboard", trigger.GetProperty("route").GetString());
        Assert.Equal(["get"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Function", trigger.GetProperty("authLevel").GetString());
    }

    /// <summary>The routes anyone may call: senders that sign (webhooks), the OAuth redirect, and the platform's health probe.</summary>
    private static readonly string[] AnonymousRoutes =
        ["webhooks/tracktile", "webhooks/erp", "webhooks/shopify", "webhooks/shiphero", "webhooks/quickbooks", "webhooks/businesscentral",
         "connect/quickbooks/callback", "health"];

    [Fact]
    public void Metadata_EveryOtherHttpRoute_RequiresAFunctionKey()
    {
        var http = Functions.Value.Keys.Select(f => (Function: f, Trigger: Trigger(f))).Where(t => t.Trigger.GetProperty("type").GetString() == "httpTrigger").ToList();

        Assert.All(http, t => Assert.Equal(
            AnonymousRoutes.Contains(t.Trigger.GetProperty("route").GetString()) ? "Anonymous" : "Function",
            t.Trigger.GetProperty("authLevel").GetString()));
        Assert.Equal(AnonymousRoutes.Order(StringComparer.Ordinal),
            http.Where(t => t.Trigger.GetProperty("authLevel").GetString() == "Anonymous").Select(t => t.Trigger.GetProperty("route").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Metadata_HttpRoutes_AvoidTheHostsReservedAdminPrefix()
        => Assert.All(Functions.Value.Values.SelectMany(f => f.GetProperty("bindings").EnumerateArray())
                .Where(b => b.TryGetProperty("route", out _)),
            b => Assert.False(b.GetProperty("route").GetString()!.StartsWith("admin", StringComparison.OrdinalIgnoreCase)));

    [Fact]
    public void Metadata_TimerTrigger_TicksEveryMinuteWithoutNeedingASetting()
    {
        var trigger = Trigger("ProductSyncTimerFunction");

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal("0 * * * * *", trigger.GetProperty("schedule").GetString());
        Assert.False(trigger.TryGetProperty("runOnStartup", out var runOnStartup) && runOnStartup.GetBoolean());
    }

    [Fact]
    public void Metadata_BusinessCentralWebhook_AnonymousGetForTheHandshakeAndPost()
    {
        var trigger = Trigger("BusinessCentralWebhookFunction");

        Assert.Equal("webhooks/businesscentral", trigger.GetProperty("route").GetString());
        Assert.Equal(["get", "post"], trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }

    [Theory]
    [InlineData("BusinessCentralSubscriptionsTimerFunction", "0 7 * * * *")]
    [InlineData("BusinessCentralReconciliationFunction", "0 */5 * * * *")]
    [InlineData("ShopifyReconciliationFunction", "0 */10 * * * *")]
    [InlineData("ShopifyStockRepairFunction", "0 40 * * * *")]
    [InlineData("ShipHeroReconciliationFunction", "30 */10 * * * *")]
    [InlineData("QuickBooksReconciliationFunction", "45 */15 * * * *")]
    public void Metadata_BusinessCentralTimers_HaveFixedSchedulesNeedingNoSetting(string function, string schedule)
    {
        var trigger = Trigger(function);

        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(schedule, trigger.GetProperty("schedule").GetString());
    }

    [Fact]
    public void SampleSettings_NoScheduleSetting_TheDefaultIsHourly()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(Infrastructure.RepositoryPaths.Root, "local.settings.sample.json")));

        Assert.False(sample.RootElement.GetProperty("Values").TryGetProperty("ProductSyncSchedule", out _));
        Assert.Equal("0 0 * * * *", new TracktileFunctions.Sync.ProductSyncOptions().Schedule);
    }

    [Fact]
    public void HostJson_MaxDequeueCount_EqualsTheAppsOwnPoisonAttempt()
        => Assert.Equal(Infrastructure.HostJsonQueueOptions.Load().MaxDequeueCount, new TracktileFunctions.Processing.ProcessingOptions().MaxDequeueCount);

    [Fact]
    public void Output_HostJsonAndWorkerConfig_AreNextToTheApp()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "host.json")));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "worker.config.json")));
        using var hostJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")));
        Assert.Equal("2.0", hostJson.RootElement.GetProperty("version").GetString());
    }
}
