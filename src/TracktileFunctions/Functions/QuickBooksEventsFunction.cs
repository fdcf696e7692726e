using Microsoft.Azure.Functions.Worker;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.Functions;

/// <summary><c>quickbooks-events</c> (webhooks and the change feed's finds) -> Tracktile customers; invoices voided or deleted in QuickBooks noted.</summary>
public sealed class QuickBooksEventsFunction(QueueEventProcessor processor, QuickBooksEventConsumer consumer)
{
    [Function(nameof(QuickBooksEventsFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.QuickBooksEvents)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.QuickBooksEvents, message, id, dequeueCount, consumer, cancellationToken);
}
