using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Processing;
using TracktileFunctions.ShipHero;
using TracktileFunctions.Warehouse;

namespace TracktileFunctions.Functions;

/// <summary>Tracktile's <c>inventory.*</c> at the nodes ShipHero runs -> inventory_add / inventory_remove, once per event.</summary>
public sealed class ShipHeroStockFunction(QueueEventProcessor processor, [FromKeyedServices(ShipHeroWebhook.Source)] WarehouseStockConsumer consumer)
{
    [Function(nameof(ShipHeroStockFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ShipHeroInventory)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.ShipHeroInventory, message, id, dequeueCount, consumer, cancellationToken);
}
