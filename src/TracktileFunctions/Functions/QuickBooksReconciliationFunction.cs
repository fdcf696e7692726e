using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.Functions;

/// <summary>Every 15 minutes: QuickBooks' change data capture feed since the last run is queued (a missed webhook is still applied).</summary>
public sealed class QuickBooksReconciliationFunction(QuickBooksReconciliation reconciliation)
{
    [Function(nameof(QuickBooksReconciliationFunction))]
    public Task RunAsync([TimerTrigger("45 */15 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => reconciliation.RunAsync(cancellationToken);
}
