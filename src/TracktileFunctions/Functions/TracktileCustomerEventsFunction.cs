using Microsoft.Extensions.DependencyInjection;
using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;
using TracktileFunctions.RestErp;

namespace TracktileFunctions.Functions;

/// <summary><c>tracktile-customers</c> -> ERP customers (two-way sync, Tracktile -> ERP), when Tracktile's customer events are routed there.</summary>
public sealed class TracktileCustomerEventsFunction(QueueEventProcessor processor, [FromKeyedServices(TracktileCustomerChangeConsumer.Erp)] TracktileCustomerChangeConsumer consumer)
{
    [Function(nameof(TracktileCustomerEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.TracktileCustomers)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.TracktileCustomers, message, id, dequeueCount, consumer, cancellationToken);
}
