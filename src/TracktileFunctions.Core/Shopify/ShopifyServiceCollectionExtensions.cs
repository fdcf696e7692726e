using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Tracktile;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.Shopify;

/// <summary>Registers Shopify (GraphQL Admin API) as the web store.</summary>
public static class ShopifyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Shopify client and token cache, the store role, the order webhook and import, the stock consumer and
    /// repair, the reconciliation and the subscriptions. Shopify is on when <c>Shopify:Shops</c> names a shop; then its
    /// settings are checked at start, Tracktile's <c>inventory.*</c> events also go to <c>shopify-inventory</c>, and the
    /// product batch also feeds the SKU index. Off, its webhook answers 404 and its timers do nothing.
    /// </summary>
    public static IServiceCollection AddShopify(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ShopifyOptions>().BindConfiguration(ShopifyOptions.SectionName)
            .PostConfigure(o => o.Normalize())
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // When Shopify is on, Tracktile's lot events also move its stock, and the product batch also feeds the SKU index.
        services.AddOptions<WebhookSourceOptions>(WebhookSources.Tracktile).PostConfigure<IOptions<ShopifyOptions>>((o, shopify) =>
        {
            if (shopify.Value.Enabled && o.IncludeDefaultRoutes)
            {
                o.Routes.Add(new EventRoute { Kind = "inventory.*", Queues = [QueueNames.ShopifyInventory] });
            }
        });
        services.FeedSkuIndexWhen<ShopifyOptions>(o => o.Enabled);

        services.AddSingleton<ShopifyTokenCache>();
        services.AddSingleton<ShopifyCostBuckets>();
        services.AddSingleton<ShopifyInventoryItems>();
        services.AddHttpClient<ShopifyClient>(http => http.Timeout = Timeout.InfiniteTimeSpan) // the resilience pipeline owns timeouts
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) => sp.GetRequiredService<IOptions<ShopifyOptions>>().Value.Resilience.ApplyTo(resilience));

        services.AddSingleton(sp => new StoreRepairs(new(sp.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(StoreRepairs.TableName))));
        services.AddTransient<ShopifyStore>();
        services.AddTransient<StoreOrderImport>();
        services.AddSingleton<ShopifyWebhook>();
        services.AddTransient<ShopifyOrderConsumer>();
        services.AddKeyedTransient<StoreStockConsumer>(ShopifyWebhook.Source, (sp, _) => ActivatorUtilities.CreateInstance<StoreStockConsumer>(sp, sp.GetRequiredService<ShopifyStore>()));
        services.AddKeyedTransient<StoreStockRepair>(ShopifyWebhook.Source, (sp, _) => new StoreStockRepair(
            sp.GetRequiredService<ShopifyStore>(), sp.GetRequiredService<ProductSkuIndex>(), sp.GetRequiredService<StoreRepairs>(), sp.GetRequiredService<TracktileClient>(),
            sp.GetRequiredService<IOptions<ShopifyOptions>>().Value.Stock.RepairApplies, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StoreStockRepair>>()));
        services.AddTransient<ShopifyOrderReconciliation>();
        services.AddTransient<ShopifySubscriptions>();
        if (configuration.GetSection($"{ShopifyOptions.SectionName}:{nameof(ShopifyOptions.Shops)}").GetChildren()
            .Any(shop => !string.IsNullOrWhiteSpace(shop[nameof(ShopifyShopOptions.Domain)])))
        {
            // On as ShopifyOptions.Enabled decides: the status page lists its connection.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionCheck, ShopifyConnectionCheck>());
        }

        return services;
    }
}
