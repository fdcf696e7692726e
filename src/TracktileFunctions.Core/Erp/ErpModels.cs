using System.Text.Json.Serialization;

namespace TracktileFunctions.Erp;

/// <summary>The body of <c>POST sales-orders</c> (docs/erp-contract.md).</summary>
public sealed record ErpSalesOrder(
    string ExternalId,
    string? OrderNumber,
    string? CustomerId,
    string? DueDate,
    string? Currency,
    string Status,
    IReadOnlyList<ErpSalesOrderLine> Lines,
    string SourceEventId,
    DateTimeOffset? SourceEventTime)
{
    /// <summary>The ERP's id of the customer, when the customer sync has linked it (not sent: each ERP uses it its own way).</summary>
    [JsonIgnore]
    public string? ErpCustomerId { get; init; }

    /// <summary>
    /// The record of this order's create attempts (not sent): an ERP without idempotency keys notes when a create goes
    /// out, and after a lost answer looks up and waits for it rather than create a second order.
    /// </summary>
    [JsonIgnore]
    public ErpCreateAttempts? Attempts { get; init; }
}

/// <summary>One sales order line.</summary>
public sealed record ErpSalesOrderLine(int LineNumber, string ProductId, decimal Quantity, decimal? UnitPrice)
{
    /// <summary>The ERP's key of the product's item, as the product batch recorded it (not sent); null when never synced.</summary>
    [JsonIgnore]
    public string? ErpItemId { get; init; }
}

/// <summary>The body of <c>PATCH sales-orders/{id}</c>.</summary>
public sealed record ErpSalesOrderStatusUpdate(string Status, DateTimeOffset? StatusChangedAt, string SourceEventId)
{
    /// <summary>The Tracktile status before <c>Erp:Orders:StatusMap</c> (not sent: for ERPs that act on it).</summary>
    [JsonIgnore]
    public string TracktileStatus { get; init; } = Status;
}

/// <summary>The body of <c>POST shipments/{shipmentId}/confirm</c>.</summary>
public sealed record ErpShipmentConfirmation(
    string ShipmentId, string? ShipmentNumber, string Status, DateTimeOffset? ConfirmedAt, string SourceEventId)
{
    /// <summary>The Tracktile order the shipment belongs to, when known (not sent; see <see cref="IErp.ShipmentsNeedOrder"/>).</summary>
    [JsonIgnore]
    public string? OrderId { get; init; }

    /// <summary>The ERP's sales order for <see cref="OrderId"/>, when this app created it (not sent).</summary>
    [JsonIgnore]
    public string? ErpOrderId { get; init; }
}

/// <summary>What a create answered: the ERP's id, and whether the ERP had already seen the idempotency key.</summary>
public sealed record ErpCreated(string Id, bool Replayed);

/// <summary>One product of a page to write, with the idempotency key of its version.</summary>
public sealed record ProductWrite(ErpProduct Product, string IdempotencyKey);

/// <summary>What became of one <see cref="ProductWrite"/>: the ERP's key of the item, or the failure.</summary>
public readonly record struct ProductWriteResult(string? ItemKey, Exception? Error)
{
    /// <summary>
    /// Writes each product with <paramref name="write"/>, at most <paramref name="concurrency"/> at once (an ERP without
    /// a batch call): a failure is kept in that product's result.
    /// </summary>
    public static async Task<IReadOnlyList<ProductWriteResult>> EachAsync(
        IReadOnlyList<ProductWrite> products, int concurrency, Func<ProductWrite, CancellationToken, Task<string>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(products);
        ArgumentNullException.ThrowIfNull(write);
        var results = new ProductWriteResult[products.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, products.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (i, ct) =>
            {
                try
                {
                    results[i] = new ProductWriteResult(await write(products[i], ct).ConfigureAwait(false), null);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested)
                {
                    results[i] = new ProductWriteResult(null, ex);
                }
            }).ConfigureAwait(false);
        return results;
    }
}

/// <summary>The body of <c>PUT products/{productId}</c>.</summary>
public sealed record ErpProduct(
    string ExternalId,
    string? Sku,
    string? Name,
    string? Unit,
    bool? Active,
    DateTimeOffset? ModifiedAt,
    System.Text.Json.JsonElement? Attributes)
{
    /// <summary>The product as Tracktile returned it (not sent), for ERPs whose item key is another of its fields.</summary>
    [JsonIgnore]
    public System.Text.Json.JsonElement Source { get; init; }

    /// <summary>The ERP's key of the item as last written (not sent), so a changed key renames the item instead of making another.</summary>
    [JsonIgnore]
    public string? ErpKey { get; init; }
}

/// <summary>
/// When a sales order create last went out without an answer, kept in the order's sync state by the consumer, so an ERP
/// without idempotency keys never sends a second create while the first may still be committing.
/// </summary>
/// <param name="lastSentAt">When an earlier attempt sent a create whose outcome is unknown; null when none did.</param>
/// <param name="sending">Notes (durably) that a create goes out now.</param>
/// <param name="refused">Notes that the ERP refused it (an answer: nothing was made).</param>
public sealed class ErpCreateAttempts(DateTimeOffset? lastSentAt, Func<Task> sending, Func<Task> refused)
{
    /// <summary>How long a create whose answer was lost may take to appear before it is sent again (Business Central runs an operation up to 8 minutes).</summary>
    public static TimeSpan SettleTime { get; } = TimeSpan.FromMinutes(10);

    /// <summary>When an earlier attempt sent a create whose outcome is unknown; null when none did.</summary>
    public DateTimeOffset? LastSentAt { get; } = lastSentAt;

    /// <summary>Call right before the create goes out.</summary>
    public Task SendingAsync() => sending();

    /// <summary>Call when the ERP answered with a refusal (nothing was made).</summary>
    public Task RefusedAsync() => refused();
}
