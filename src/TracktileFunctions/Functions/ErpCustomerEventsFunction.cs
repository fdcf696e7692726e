using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.RestErp;

namespace TracktileFunctions.Functions;

/// <summary><c>erp-customers</c> -> Tracktile customers (two-way sync, ERP -> Tracktile).</summary>
public sealed class ErpCustomerEventsFunction(QueueEventProcessor processor, TracktileCustomerConsumer consumer)
{
    [Function(nameof(ErpCustomerEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ErpCustomers)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.ErpCustomers, message, id, dequeueCount, consumer, cancellationToken);
}
