using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.ShipHero;

namespace TracktileFunctions.Functions;

/// <summary>Every 10 minutes: ShipHero shipments made since the last run are queued (a missed webhook is still applied).</summary>
public sealed class ShipHeroReconciliationFunction(ShipHeroReconciliation reconciliation)
{
    [Function(nameof(ShipHeroReconciliationFunction))]
    public Task RunAsync([TimerTrigger("30 */10 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => reconciliation.RunAsync(cancellationToken);
}
