using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.Functions;

/// <summary>Every five minutes: queues the Business Central customers changed since the last run, when a run is due.</summary>
public sealed class BusinessCentralReconciliationFunction(BusinessCentralReconciliation reconciliation)
{
    [Function(nameof(BusinessCentralReconciliationFunction))]
    public Task RunAsync([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => reconciliation.TickAsync(force: false, cancellationToken);
}
