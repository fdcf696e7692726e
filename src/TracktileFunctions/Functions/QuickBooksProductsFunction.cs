using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary><c>quickbooks-products</c> (the product batch's pages of changed products) -> QuickBooks items found or created, and kept in step, in batch calls.</summary>
public sealed class QuickBooksProductsFunction(ProductPageProcessor processor, QuickBooksItems target)
{
    [Function(nameof(QuickBooksProductsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.QuickBooksProducts)] string message, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.QuickBooksProducts, message, dequeueCount, target, cancellationToken);
}
