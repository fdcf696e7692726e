using TracktileFunctions.Messaging;

namespace TracktileFunctions.Processing;

/// <summary>One target system's handling of one queue's events (e.g. Tracktile orders -> ERP sales orders).</summary>
public interface IEventConsumer
{
    /// <summary>The consumer's name: its partition in the de-duplication ledger.</summary>
    string Name { get; }

    /// <summary>Applies <paramref name="evt"/> to the target system.</summary>
    /// <returns>A short outcome for the ledger and the logs (e.g. <c>created SO-12</c>, <c>stale</c>).</returns>
    /// <exception cref="PermanentProcessingException">The event can never succeed as it is.</exception>
    Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken);
}
