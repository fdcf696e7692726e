using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Functions;

/// <summary><c>tracktile-shipments</c> -> ERP shipment confirmations.</summary>
public sealed class ShipmentEventsFunction(QueueEventProcessor processor, ErpShipmentConsumer consumer)
{
    [Function(nameof(ShipmentEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.TracktileShipments)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.TracktileShipments, message, id, dequeueCount, consumer, cancellationToken);
}
