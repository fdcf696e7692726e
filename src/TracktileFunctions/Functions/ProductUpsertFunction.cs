using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary><c>tracktile-products</c> (handed off by the product batch) -> ERP product upserts.</summary>
public sealed class ProductUpsertFunction(QueueEventProcessor processor, ErpProductConsumer consumer)
{
    [Function(nameof(ProductUpsertFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.TracktileProducts)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.TracktileProducts, message, id, dequeueCount, consumer, cancellationToken);
}
