using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;

namespace TracktileFunctions.Functions;

/// <summary>Hourly: Shopify's stock compared with Tracktile's totals, differences set by compare-and-set and logged.</summary>
public sealed class ShopifyStockRepairFunction([FromKeyedServices(ShopifyWebhook.Source)] StoreStockRepair repair)
{
    [Function(nameof(ShopifyStockRepairFunction))]
    public Task RunAsync([TimerTrigger("0 40 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => repair.RunAsync(cancellationToken);
}
