using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using TracktileFunctions.Processing;
using TracktileFunctions.QuickBooks;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Functions;

/// <summary>Tracktile's customer changes -> sparse updates of the linked QuickBooks customers (two-way sync, Tracktile -> QuickBooks).</summary>
public sealed class QuickBooksCustomersFunction(QueueEventProcessor processor, [FromKeyedServices(QuickBooksWebhook.Source)] TracktileCustomerChangeConsumer consumer)
{
    [Function(nameof(QuickBooksCustomersFunction))]
    public Task RunAsync([QueueTrigger(QueueNames.QuickBooksCustomers)] string message, string id, long dequeueCount, CancellationToken cancellationToken)
        => processor.ProcessAsync(QueueNames.QuickBooksCustomers, message, id, dequeueCount, consumer, cancellationToken);
}
