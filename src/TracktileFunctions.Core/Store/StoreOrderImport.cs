using System.Globalization;
using TracktileFunctions.Processing;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Store;

/// <summary>
/// A store order -> one Tracktile order (<c>POST /orders</c>), ever. Tracktile documents no idempotency key, so the
/// store order -> Tracktile order link is kept in sync state and read, under the order's lock, before any create; a
/// create is marked as sent before it goes out, and an attempt that finds that mark (an answer was lost) looks the
/// order up by its <c>shortId</c> instead of sending it again. A cancellation cancels the Tracktile order; an update
/// older than the last one applied changes nothing.
/// </summary>
public sealed class StoreOrderImport(TracktileClient tracktile, SyncStateStore state, ProductSkuIndex index, TimeProvider timeProvider)
{
    /// <summary>The state scope (table partition) of imported orders.</summary>
    public const string Scope = "store-order";

    private const string SentMark = "create-sent:";
    private const string Imported = "imported";

    /// <summary>Applies one version of <paramref name="order"/>.</summary>
    /// <param name="order">The order as the store sent it.</param>
    /// <param name="options">The store's order settings.</param>
    /// <param name="shortIdPrefix">The prefix of the order's <c>shortId</c> (per shop).</param>
    /// <param name="holder">Who locks (consumer and event), so an event's own retry takes its lock back.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    /// <returns>A short outcome for the ledger.</returns>
    public Task<string> ImportAsync(StoreOrder order, StoreOrderOptions options, string shortIdPrefix, string holder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(options);
        var shortId = ShortId(order, shortIdPrefix);
        return state.UnderLockAsync(Scope, Key(order), holder, record => ApplyAsync(order, options, shortId, record, cancellationToken), cancellationToken);
    }

    /// <summary>The link's key: store, shop and the store's order id.</summary>
    public static string Key(StoreOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return $"{order.Store}/{order.Shop}/{order.OrderId}";
    }

    /// <summary>Tracktile's <c>shortId</c> for the order: the prefix and the order's name without its <c>#</c>.</summary>
    public static string ShortId(StoreOrder order, string prefix)
    {
        ArgumentNullException.ThrowIfNull(order);
        return prefix + order.Name.TrimStart('#').Trim();
    }

    private async Task<(SyncRecord? Next, string Outcome)> ApplyAsync(StoreOrder order, StoreOrderOptions options, string shortId, SyncRecord record, CancellationToken cancellationToken)
    {
        var version = order.UpdatedAt ?? order.CreatedAt;
        if (record.IsNewerThan(version))
        {
            return (null, $"stale: {order.Name} as of {version:O} is older than the version applied ({record.AppliedEventTime:O})");
        }

        string outcome;
        if (record.TargetId is null)
        {
            if (order.Cancelled && await EarlierCreateAsync(shortId, record, cancellationToken).ConfigureAwait(false) is { } earlier)
            {
                // An earlier attempt's create did land, then the order was cancelled: cancel what was made.
                await LinkAsync(record, earlier).ConfigureAwait(false);
                outcome = await CancelAsync(order, options, earlier, shortId, cancellationToken).ConfigureAwait(false);
                record.Status = options.CancelledStatus;
            }
            else if (order.Cancelled)
            {
                outcome = $"not imported: {order.Name} was cancelled before it reached Tracktile";
                record.Status = options.CancelledStatus;
            }
            else
            {
                var (id, found) = await CreateOnceAsync(order, options, shortId, record, cancellationToken).ConfigureAwait(false);
                outcome = found ? $"found Tracktile order {id} ({shortId}) made by an earlier attempt" : $"created Tracktile order {id} ({shortId})";
                record.Status = Imported;
            }
        }
        else if (order.Cancelled && record.Status != options.CancelledStatus)
        {
            outcome = await CancelAsync(order, options, record.TargetId, shortId, cancellationToken).ConfigureAwait(false);
            record.Status = options.CancelledStatus;
        }
        else
        {
            outcome = $"unchanged: {order.Name} is Tracktile order {record.TargetId} ({record.Status})";
        }

        record.AppliedEventTime = version;
        return (record, outcome);
    }

    private async Task<string> CancelAsync(StoreOrder order, StoreOrderOptions options, string tracktileId, string shortId, CancellationToken cancellationToken)
    {
        if (!options.CancelInTracktile)
        {
            return $"not cancelled: {order.Name} was cancelled, and cancelling in Tracktile is off";
        }

        await tracktile.UpdateOrderStatusAsync(tracktileId, options.CancelledStatus, cancellationToken).ConfigureAwait(false);
        return $"cancelled Tracktile order {tracktileId} ({shortId})";
    }

    /// <summary>
    /// When an earlier attempt sent the create and never learnt the outcome: the order it made, found by its
    /// <c>shortId</c>, or null when it made none. Null too when no create was left unanswered.
    /// </summary>
    /// <exception cref="PermanentProcessingException">A create was left unanswered and Tracktile offers no look-up.</exception>
    private async Task<string?> EarlierCreateAsync(string shortId, SyncRecord record, CancellationToken cancellationToken)
    {
        if (record.Hash is not { } mark || !mark.StartsWith(SentMark, StringComparison.Ordinal))
        {
            return null;
        }

        var existing = await tracktile.FindOrderIdsByShortIdAsync(shortId, cancellationToken).ConfigureAwait(false)
            ?? throw new PermanentProcessingException(
                $"an earlier create of {shortId} was sent at {mark[SentMark.Length..]} without an answer, and Tracktile offers no look-up " +
                "(Tracktile:Api:OrderLookupPath): check Tracktile for that shortId, then replay this event (it is linked if found, created if not)");
        return existing.Count > 0 ? existing[0] : null;
    }

    private async Task<(string Id, bool Found)> CreateOnceAsync(StoreOrder order, StoreOrderOptions options, string shortId, SyncRecord record, CancellationToken cancellationToken)
    {
        var body = await TracktileOrderAsync(order, options, shortId, cancellationToken).ConfigureAwait(false);
        if (await EarlierCreateAsync(shortId, record, cancellationToken).ConfigureAwait(false) is { } earlier)
        {
            return (await LinkAsync(record, earlier).ConfigureAwait(false), true);
        }

        record.Hash = SentMark + timeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        await state.CheckpointAsync(record).ConfigureAwait(false);
        string id;
        try
        {
            id = await tracktile.CreateOrderAsync(body, cancellationToken).ConfigureAwait(false);
        }
        catch (TracktileApiException ex) when (ex.Status is >= 400 and < 500 and not (408 or 429))
        {
            record.Hash = null; // refused: nothing was made
            await state.CheckpointAsync(record).ConfigureAwait(false);
            throw;
        }

        return (await LinkAsync(record, id).ConfigureAwait(false), false);
    }

    private async Task<string> LinkAsync(SyncRecord record, string id)
    {
        record.TargetId = id;
        record.Hash = null;
        await state.CheckpointAsync(record).ConfigureAwait(false); // kept at once: whatever fails next, never created again
        return id;
    }

    private async Task<TracktileNewOrder> TracktileOrderAsync(StoreOrder order, StoreOrderOptions options, string shortId, CancellationToken cancellationToken)
    {
        var customer = options.CustomerFor(order.Email) ?? throw new PermanentProcessingException(
            $"{order.Name}: customer email {(order.Email is null ? "(none)" : Mask(order.Email))} is not mapped and no default customer is set (Orders:Customers, Orders:DefaultCustomerId)");
        var items = new List<TracktileNewOrderItem>(order.Lines.Count);
        foreach (var line in order.Lines)
        {
            string? productId;
            if (line.Sku is { Length: > 0 } sku)
            {
                productId = await index.ProductOfAsync(sku, cancellationToken).ConfigureAwait(false)
                    ?? throw new PermanentProcessingException($"{order.Name}: SKU {sku} is no Tracktile product (none in the product index has it; run the product batch if it is new)");
            }
            else
            {
                productId = options.Variants.FirstOrDefault(v => v.VariantId == line.VariantId)?.ProductId
                    ?? throw new PermanentProcessingException($"{order.Name}: a line has no SKU, and variant {line.VariantId ?? "(none)"} is not mapped (Orders:Variants)");
            }

            items.Add(new TracktileNewOrderItem(productId, line.Quantity, line.Price));
        }

        if (items.Count == 0)
        {
            throw new PermanentProcessingException($"{order.Name} has no lines");
        }

        var due = DateOnly.FromDateTime(order.CreatedAt.UtcDateTime).AddDays(options.DueDays);
        return new TracktileNewOrder(shortId, customer, due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), order.Currency, items);
    }

    /// <summary>An email for a log line: its domain only.</summary>
    private static string Mask(string email) => email.IndexOf('@', StringComparison.Ordinal) is var at and > 0 ? "***" + email[at..] : "***";
}

/// <summary>The body of Tracktile's <c>POST /orders</c>.</summary>
public sealed record TracktileNewOrder(string ShortId, string CustomerId, string DueDate, string? Currency, IReadOnlyList<TracktileNewOrderItem> OrderItems);

/// <summary>One item of <see cref="TracktileNewOrder"/>.</summary>
public sealed record TracktileNewOrderItem(string ProductId, decimal Quantity, decimal Price);
