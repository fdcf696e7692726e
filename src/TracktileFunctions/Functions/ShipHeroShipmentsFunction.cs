using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Processing;
using TracktileFunctions.ShipHero;
using TracktileFunctions.Warehouse;

namespace TracktileFunctions.Functions;

/// <summary>Tracktile's <c>shipment.*</c> -> one ShipHero order per ready shipment, cancelled with it.</summary>
public sealed class ShipHeroShipmentsFunction(QueueEventProcessor processor, [FromKeyedServices(ShipHeroWebhook.Source)] WarehouseShipmentConsumer consumer)
{
    [Function(nameof(ShipHeroShipmentsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ShipHeroShipments)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.ShipHeroShipments, message, id, dequeueCount, consumer, cancellationToken);
}
