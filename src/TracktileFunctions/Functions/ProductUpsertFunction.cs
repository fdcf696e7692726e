using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary><c>tracktile-products</c> (pages handed off by the product batch) -> ERP item upserts.</summary>
public sealed class ProductUpsertFunction(ProductPageProcessor processor, ErpProductConsumer target)
{
    [Function(nameof(ProductUpsertFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.TracktileProducts)] string message, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.TracktileProducts, message, dequeueCount, target, cancellationToken);
}
