using Microsoft.Extensions.Options;
using TracktileFunctions.Messaging;
using TracktileFunctions.Processing;
using TracktileFunctions.Store;

namespace TracktileFunctions.Shopify;

/// <summary><c>shopify-orders</c> (webhooks and the reconciliation's finds) -> one Tracktile order per Shopify order (<see cref="StoreOrderImport"/>).</summary>
public sealed class ShopifyOrderConsumer(StoreOrderImport import, IOptions<ShopifyOptions> options) : IEventConsumer
{
    /// <inheritdoc />
    public string Name => "shopify-orders";

    /// <inheritdoc />
    public Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var order = ShopifyOrders.Read(evt.Payload, evt.Kind);
        var settings = options.Value;
        if (settings.Shop(order.Shop) is null)
        {
            throw new PermanentProcessingException($"Shopify order {order.Name} is from {order.Shop}, which is no longer one of Shopify:Shops");
        }

        return import.ImportAsync(order, settings.Orders, settings.ShortIdPrefixOf(order.Shop), $"{Name}/{evt.EventId}", cancellationToken);
    }
}
