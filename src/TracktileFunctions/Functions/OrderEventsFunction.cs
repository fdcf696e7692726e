using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary><c>tracktile-orders</c> -> ERP sales orders.</summary>
public sealed class OrderEventsFunction(QueueEventProcessor processor, ErpOrderConsumer consumer)
{
    [Function(nameof(OrderEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.TracktileOrders)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.TracktileOrders, message, id, dequeueCount, consumer, cancellationToken);
}
