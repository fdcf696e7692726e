using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;

namespace TracktileFunctions.Sync;

/// <summary>
/// A customer changed in Tracktile -> the customer synced both ways with one other system (<see cref="CustomerSync"/>):
/// what changed in Tracktile reaches that system, without echo loops and without losing an edit made there meanwhile.
/// One per system (the ERP's on <c>tracktile-customers</c>, the ledger's on its own queue), each its own ledger partition.
/// </summary>
/// <param name="name">The consumer's name (its ledger partition).</param>
/// <param name="sync">The customer sync with that system.</param>
/// <param name="customerIdProperty">The property of Tracktile's customer event that holds the customer id (undocumented; a setting).</param>
public sealed class TracktileCustomerChangeConsumer(string name, CustomerSync sync, string customerIdProperty) : IEventConsumer
{
    /// <summary>The service key of the ERP's consumer.</summary>
    public const string Erp = "erp";

    /// <inheritdoc />
    public string Name => name;

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var customerId = evt.RequiredString(customerIdProperty);
        return sync.SyncAsync($"{Name}/{evt.EventId}", CustomerConflictWinner.Tracktile, customerId, null, evt.EventId, cancellationToken);
    }
}
