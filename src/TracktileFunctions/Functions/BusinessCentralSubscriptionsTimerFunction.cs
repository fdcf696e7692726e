using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.BusinessCentral;

namespace TracktileFunctions.Functions;

/// <summary>Hourly: creates missing Business Central subscriptions and renews those expiring soon (they last 3 days).</summary>
public sealed class BusinessCentralSubscriptionsTimerFunction(BusinessCentralSubscriptions subscriptions)
{
    [Function(nameof(BusinessCentralSubscriptionsTimerFunction))]
    public Task RunAsync([TimerTrigger("0 7 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
        => subscriptions.EnsureAsync(cancellationToken);
}
