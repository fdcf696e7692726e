using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using TracktileFunctions.Http;
using TracktileFunctions.Operations;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Warehouse;
using TracktileFunctions.Webhooks;

namespace TracktileFunctions.ShipHero;

/// <summary>Registers ShipHero (Public API, GraphQL) as the warehouse.</summary>
public static class ShipHeroServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ShipHero client and tokens, the warehouse role, the webhook and its secrets, the consumers, the
    /// registration and the reconciliation. ShipHero is on when <c>ShipHero:Username</c> or <c>ShipHero:RefreshToken</c> is
    /// set; then its settings are checked at start, Tracktile's <c>shipment.*</c> and <c>inventory.*</c> events also go to
    /// its queues, and the product batch also feeds the SKU index. Off, its webhook answers 404 and its timers do nothing.
    /// </summary>
    public static IServiceCollection AddShipHero(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ShipHeroOptions>().BindConfiguration(ShipHeroOptions.SectionName)
            .PostConfigure(o => o.Normalize())
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddOptions<WebhookSourceOptions>(WebhookSources.Tracktile).PostConfigure<IOptions<ShipHeroOptions>>((o, shiphero) =>
        {
            if (shiphero.Value.Enabled && o.IncludeDefaultRoutes)
            {
                o.Routes.Add(new EventRoute { Kind = "shipment.*", Queues = [QueueNames.ShipHeroShipments] });
                o.Routes.Add(new EventRoute { Kind = "inventory.*", Queues = [QueueNames.ShipHeroInventory] });
            }
        });
        services.FeedSkuIndexWhen<ShipHeroOptions>(o => o.Enabled);

        services.AddSingleton<ShipHeroTokens>();
        services.AddSingleton<ShipHeroWebhookSecrets>();
        services.AddHttpClient<ShipHeroClient>((sp, http) =>
            {
                http.BaseAddress = HttpBase.Address(sp.GetRequiredService<IOptions<ShipHeroOptions>>().Value.BaseUrl);
                http.Timeout = Timeout.InfiniteTimeSpan; // the resilience pipeline owns timeouts
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) =>
            {
                sp.GetRequiredService<IOptions<ShipHeroOptions>>().Value.Resilience.ApplyTo(resilience);
                ApiResilienceOptions.RetryNoUnsafeCreates(resilience); // every call is a POST; an order create is looked up first, not retried blind
            });

        services.AddTransient<ShipHeroWarehouse>();
        services.AddSingleton(sp => new StockDifferences(new(sp.GetRequiredService<Azure.Data.Tables.TableServiceClient>().GetTableClient(StockDifferences.TableName)),
            sp.GetRequiredService<TimeProvider>()));
        services.AddKeyedTransient<WarehouseShipmentConsumer>(ShipHeroWebhook.Source, (sp, _) => ActivatorUtilities.CreateInstance<WarehouseShipmentConsumer>(
            sp, sp.GetRequiredService<ShipHeroWarehouse>(), sp.GetRequiredService<IOptions<ShipHeroOptions>>().Value.Orders));
        services.AddKeyedTransient<WarehouseStockConsumer>(ShipHeroWebhook.Source, (sp, _) => ActivatorUtilities.CreateInstance<WarehouseStockConsumer>(
            sp, sp.GetRequiredService<ShipHeroWarehouse>()));
        services.AddSingleton<ShipHeroWebhook>();
        services.AddTransient<ShipHeroEventConsumer>();
        services.AddTransient<ShipHeroWebhookRegistration>();
        services.AddTransient<ShipHeroReconciliation>();
        if (!string.IsNullOrWhiteSpace(configuration[$"{ShipHeroOptions.SectionName}:{nameof(ShipHeroOptions.Username)}"])
            || !string.IsNullOrWhiteSpace(configuration[$"{ShipHeroOptions.SectionName}:{nameof(ShipHeroOptions.RefreshToken)}"]))
        {
            // On as ShipHeroOptions.Enabled decides: the status page lists its connection.
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionCheck, ShipHeroConnectionCheck>());
        }

        return services;
    }
}
