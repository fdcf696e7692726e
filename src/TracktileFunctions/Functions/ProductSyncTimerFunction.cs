using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary>
/// Ticks once a minute; the app runs the product batch when its schedule (<c>ProductSync__Schedule</c>, hourly by
/// default) is due, so the schedule has a real default and needs no app setting for the host to resolve.
/// </summary>
public sealed class ProductSyncTimerFunction(ProductSyncRunner runner)
{
    [Function(nameof(ProductSyncTimerFunction))]
    public Task RunAsync([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => runner.TickAsync(timer.IsPastDue, cancellationToken);
}
