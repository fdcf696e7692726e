using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary>Runs a manual product sync requested through <see cref="ProductSyncHttpFunction"/>.</summary>
public sealed class ProductSyncRequestFunction(ProductSyncRunner runner)
{
    [Function(nameof(ProductSyncRequestFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ProductSyncRequests)] string message, CancellationToken cancellationToken)
        => runner.RunRequestedAsync(message, cancellationToken);
}
