using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.BusinessCentral;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary><c>businesscentral-notifications</c> -> Tracktile customers (two-way sync, Business Central -> Tracktile).</summary>
public sealed class BusinessCentralNotificationsFunction(QueueEventProcessor processor, BusinessCentralCustomerConsumer consumer)
{
    [Function(nameof(BusinessCentralNotificationsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.BusinessCentralNotifications)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.BusinessCentralNotifications, message, id, dequeueCount, consumer, cancellationToken);
}
