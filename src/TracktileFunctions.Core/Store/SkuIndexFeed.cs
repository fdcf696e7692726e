using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Store;

/// <summary>
/// Systems that take the product batch's pages: those that find Tracktile products by SKU (web store, warehouse, ledger)
/// have it feed the SKU index (<c>store-products</c>), and a system that keeps its own products in step (the ledger's
/// items) has it hand the pages to a queue of its own.
/// </summary>
public static class SkuIndexFeed
{
    /// <summary>When <paramref name="enabled"/> says so, the product batch also hands its pages to <paramref name="queue"/> (once, however many systems ask).</summary>
    public static void HandOffProductsWhen<TOptions>(this IServiceCollection services, string queue, Func<TOptions, bool> enabled)
        where TOptions : class
    {
        ArgumentException.ThrowIfNullOrEmpty(queue);
        ArgumentNullException.ThrowIfNull(enabled);
        services.AddOptions<ProductSyncOptions>().PostConfigure<IOptions<TOptions>>((o, system) =>
        {
            if (enabled(system.Value) && !o.HandOffQueues.Contains(queue))
            {
                o.HandOffQueues.Add(queue);
            }
        });
    }

    /// <summary>When <paramref name="enabled"/> says the system is on, the product batch also hands its products to <c>store-products</c>.</summary>
    public static void FeedSkuIndexWhen<TOptions>(this IServiceCollection services, Func<TOptions, bool> enabled)
        where TOptions : class
        => services.HandOffProductsWhen(QueueNames.StoreProducts, enabled);
}
