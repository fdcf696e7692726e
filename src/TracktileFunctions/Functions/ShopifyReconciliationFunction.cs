using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Shopify;

namespace TracktileFunctions.Functions;

/// <summary>Every 10 minutes: Shopify orders updated since the last run are queued for import (a missed webhook is still applied).</summary>
public sealed class ShopifyReconciliationFunction(ShopifyOrderReconciliation reconciliation)
{
    [Function(nameof(ShopifyReconciliationFunction))]
    public Task RunAsync([TimerTrigger("0 */10 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => reconciliation.RunAsync(cancellationToken);
}
