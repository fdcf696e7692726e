using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Store;

/// <summary>Systems that find Tracktile products by SKU (web store, warehouse, ledger) have the product batch feed the SKU index.</summary>
public static class SkuIndexFeed
{
    /// <summary>When <paramref name="enabled"/> says the system is on, the product batch also hands its products to <c>store-products</c>.</summary>
    public static void FeedSkuIndexWhen<TOptions>(this IServiceCollection services, Func<TOptions, bool> enabled)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(enabled);
        services.AddOptions<ProductSyncOptions>().PostConfigure<IOptions<TOptions>>((o, system) =>
        {
            if (enabled(system.Value) && !o.HandOffQueues.Contains(QueueNames.StoreProducts))
            {
                o.HandOffQueues.Add(QueueNames.StoreProducts);
            }
        });
    }
}
