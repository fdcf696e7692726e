using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Accounting;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;

namespace TracktileFunctions.Functions;

/// <summary>Tracktile's order (and shipment) status changes -> one QuickBooks invoice per order, voided when it is cancelled.</summary>
public sealed class QuickBooksInvoicesFunction(QueueEventProcessor processor, [FromKeyedServices(QuickBooksWebhook.Source)] InvoiceConsumer consumer)
{
    [Function(nameof(QuickBooksInvoicesFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.QuickBooksInvoices)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.QuickBooksInvoices, message, id, dequeueCount, consumer, cancellationToken);
}
