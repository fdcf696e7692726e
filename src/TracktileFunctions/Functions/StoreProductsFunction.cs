using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary><c>store-products</c> (the product batch's pages of changed products) -> the SKU index web stores are matched by.</summary>
public sealed class StoreProductsFunction(ProductPageProcessor processor, StoreProductIndexConsumer target)
{
    [Function(nameof(StoreProductsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.StoreProducts)] string message, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.StoreProducts, message, dequeueCount, target, cancellationToken);
}
