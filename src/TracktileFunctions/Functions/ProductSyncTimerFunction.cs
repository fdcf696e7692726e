using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary>The scheduled product batch; the NCRONTAB schedule is the app setting <c>ProductSyncSchedule</c> (hourly by default).</summary>
public sealed class ProductSyncTimerFunction(ProductSyncRunner runner)
{
    [Function(nameof(ProductSyncTimerFunction))]
    public Task RunAsync([TimerTrigger("%ProductSyncSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
        => runner.RunScheduledAsync(timer.IsPastDue, cancellationToken);
}
