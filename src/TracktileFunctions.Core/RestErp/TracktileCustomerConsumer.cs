using System.Text.Json;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Sync;

namespace TracktileFunctions.RestErp;

/// <summary>
/// The ERP's <c>customer.updated</c> -> the customer synced both ways (<see cref="CustomerSync"/>): what changed in the
/// ERP reaches Tracktile's <c>PUT /customers/{tracktileId}</c>, without echo loops and without losing an edit made in
/// Tracktile meanwhile.
/// </summary>
public sealed class TracktileCustomerConsumer(CustomerSync sync) : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "tracktile-customers";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (!evt.Payload.TryGetProperty("data", out var customer) || customer.ValueKind != JsonValueKind.Object)
        {
            throw new PermanentProcessingException($"{evt.Kind} event has no 'data' object");
        }

        var tracktileId = String(customer, "tracktileId");
        if (string.IsNullOrEmpty(tracktileId))
        {
            // Kept in the ledger with this outcome (and logged), so an operator can find every customer not synced.
            return Task.FromResult("skipped: the ERP customer has no tracktileId, so there is no Tracktile customer to update");
        }

        var erpId = String(customer, "id") ?? throw new PermanentProcessingException($"{evt.Kind} event's 'data' has no 'id'");
        return sync.SyncAsync($"{Name}/{evt.EventId}", CustomerConflictWinner.Erp, tracktileId, erpId, evt.EventId, cancellationToken);
    }

    private static string? String(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
