using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Erp;

/// <summary>
/// Tracktile order -> ERP sales order. Pure functions: adapting the app to another ERP's fields starts (and usually
/// ends) here.
/// </summary>
public static class ErpOrderMapping
{
    /// <summary>The idempotency key of the create: one sales order per Tracktile order, however many events race.</summary>
    public static string CreateKey(string orderId) => $"tracktile-order-{orderId}";

    /// <summary>The idempotency key of a status update caused by one event.</summary>
    public static string StatusKey(string eventId) => $"tracktile-order-status-{eventId}";

    /// <summary>The ERP status for a Tracktile status.</summary>
    public static string MapStatus(string tracktileStatus, ErpOrderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.StatusMap.TryGetValue(tracktileStatus, out var mapped) ? mapped : tracktileStatus;
    }

    /// <summary>The sales order to create for <paramref name="order"/>.</summary>
    public static ErpSalesOrder ToSalesOrder(TracktileOrder order, string erpStatus, WebhookEventReceived source)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(source);
        return new ErpSalesOrder(
            ExternalId: order.Id,
            OrderNumber: order.ShortId,
            CustomerId: order.CustomerId,
            DueDate: order.DueDate,
            Currency: order.Currency,
            Status: erpStatus,
            Lines: order.OrderItems.Select((item, i) => new ErpSalesOrderLine(i + 1, item.ProductId, item.Quantity, item.Price)).ToArray(),
            SourceEventId: source.EventId,
            SourceEventTime: source.EventTime);
    }
}
