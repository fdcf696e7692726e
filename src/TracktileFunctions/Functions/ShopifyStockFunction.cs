using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Processing;
using TracktileFunctions.Shopify;
using TracktileFunctions.Store;

namespace TracktileFunctions.Functions;

/// <summary><c>shopify-inventory</c> (Tracktile's <c>inventory.*</c>) -> Shopify's stock moved once per event.</summary>
public sealed class ShopifyStockFunction(QueueEventProcessor processor, [FromKeyedServices(ShopifyWebhook.Source)] StoreStockConsumer consumer)
{
    [Function(nameof(ShopifyStockFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ShopifyInventory)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.ShopifyInventory, message, id, dequeueCount, consumer, cancellationToken);
}
