using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.ShipHero;

namespace TracktileFunctions.Functions;

/// <summary><c>shiphero-events</c> (webhooks and the reconciliation's finds) -> Tracktile shipments shipped; stock differences recorded.</summary>
public sealed class ShipHeroEventsFunction(QueueEventProcessor processor, ShipHeroEventConsumer consumer)
{
    [Function(nameof(ShipHeroEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.ShipHeroEvents)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.ShipHeroEvents, message, id, dequeueCount, consumer, cancellationToken);
}
