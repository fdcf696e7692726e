using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Sync;

namespace TracktileFunctions.Processing;

/// <summary>
/// A customer changed in Tracktile -> the customer synced both ways (<see cref="CustomerSync"/>): what changed in
/// Tracktile reaches the ERP's <c>PUT customers/{id}</c>, without echo loops and without losing an edit made in the
/// ERP meanwhile.
/// </summary>
public sealed class ErpCustomerConsumer(CustomerSync sync, IOptions<ErpCustomerOptions> options) : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "erp-customers";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var customerId = evt.RequiredString(options.Value.CustomerIdProperty);
        return sync.SyncAsync($"{Name}/{evt.EventId}", CustomerConflictWinner.Tracktile, customerId, null, evt.EventId, cancellationToken);
    }
}
