using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary><c>tracktile-inventory</c> -> ERP stock movements, one per lot event.</summary>
public sealed class InventoryEventsFunction(QueueEventProcessor processor, ErpInventoryConsumer consumer)
{
    [Function(nameof(InventoryEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.TracktileInventory)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.TracktileInventory, message, id, dequeueCount, consumer, cancellationToken);
}
