using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;

namespace TracktileFunctions.Functions;

/// <summary><c>store-products</c> (the product batch's changed products) -> the SKU index web stores are matched by.</summary>
public sealed class StoreProductsFunction(QueueEventProcessor processor, StoreProductIndexConsumer consumer)
{
    [Function(nameof(StoreProductsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.StoreProducts)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.StoreProducts, message, id, dequeueCount, consumer, cancellationToken);
}
