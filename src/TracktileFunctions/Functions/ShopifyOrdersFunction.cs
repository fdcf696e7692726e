using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.Functions;

/// <summary><c>shopify-orders</c> -> one Tracktile order per Shopify order.</summary>
public sealed class ShopifyOrdersFunction(QueueEventProcessor processor, ShopifyOrderConsumer consumer)
{
    [Function(nameof(ShopifyOrdersFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ShopifyOrders)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.ShopifyOrders, message, id, dequeueCount, consumer, cancellationToken);
}
