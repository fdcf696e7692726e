using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Sync;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// A page of changed products handed off by the product batch -> the ERP's items, written together (concurrently, or
/// in the ERP's batch call). The page's products are locked in sync state together (a few queries and one transaction,
/// not two operations per product), so no older write of a product can land after a newer one: an older version (a
/// backlog across runs, a replay) is skipped, and so is the version the ERP already has, unless a forced resync asks
/// for it again. Each product's ERP key and version are saved in one transaction per page.
/// </summary>
public sealed class ErpProductConsumer(IErp erp, SyncStateStore state, IOptions<TracktileClientOptions> tracktileOptions) : IProductPageTarget
{
    /// <summary>The state scope (table partition) of products written to the ERP.</summary>
    public const string Scope = "erp-product";

    private readonly TracktileProductsOptions _products = tracktileOptions.Value.Products;

    /// <inheritdoc />
    public string Name => "erp-products";

    /// <inheritdoc />
    public async Task<IReadOnlyList<ProductOutcome>> ApplyAsync(ProductPage page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        var outcomes = new ProductOutcome[page.Products.Count];
        var mapped = new ErpProduct?[page.Products.Count];
        var newest = new Dictionary<string, int>(StringComparer.Ordinal); // per product id, the index of its newest version in the page
        for (var i = 0; i < page.Products.Count; i++)
        {
            mapped[i] = ErpProductMapping.ToErpProduct(page.Products[i].Product, _products.IdProperty, _products.ModifiedAtProperty);
            if (mapped[i] is not { } product)
            {
                outcomes[i] = ProductOutcome.Failed(new PermanentProcessingException($"product has no '{_products.IdProperty}' (check Tracktile:Api:Products:IdProperty)"));
                continue;
            }

            if (newest.TryGetValue(product.ExternalId, out var other) && !(mapped[other]!.ModifiedAt < product.ModifiedAt))
            {
                outcomes[i] = ProductOutcome.Done($"skipped: a newer version of {product.ExternalId} is in the same page");
                continue;
            }

            if (newest.TryGetValue(product.ExternalId, out other))
            {
                outcomes[other] = ProductOutcome.Done($"skipped: a newer version of {product.ExternalId} is in the same page");
            }

            newest[product.ExternalId] = i;
        }

        // A product another page is writing (another version of it) is waited for, as one record's lock is, once the
        // rest of this page is written and released.
        var pending = newest.Keys.ToList();
        var pause = TimeSpan.FromMilliseconds(50);
        for (var waited = TimeSpan.Zero; ; waited += pause, pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks)))
        {
            pending = await WriteAsync(page, pending, newest, mapped, outcomes, cancellationToken).ConfigureAwait(false);
            if (pending.Count == 0 || waited >= SyncStateStore.MaxLockWait)
            {
                break;
            }

            await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
        }

        foreach (var key in pending)
        {
            outcomes[newest[key]] = ProductOutcome.Failed(new RecordBusyException($"product {key} is being written by another page; retrying later"));
        }

        return outcomes;
    }

    /// <summary>Locks, writes and saves the products of <paramref name="keys"/>; returns the keys found busy.</summary>
    private async Task<List<string>> WriteAsync(
        ProductPage page, List<string> keys, Dictionary<string, int> newest, ErpProduct?[] mapped, ProductOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var (locked, busy) = await state.LockManyAsync(Scope, keys, $"{Name}/{page.Id}", cancellationToken).ConfigureAwait(false);

        var writes = new List<(int Index, SyncRecord Record)>(locked.Count);
        foreach (var (key, record) in locked)
        {
            var i = newest[key];
            var version = mapped[i]!.ModifiedAt;
            if (version is { } v && record.AppliedEventTime is { } applied && (applied > v || (applied == v && !page.Full)))
            {
                outcomes[i] = ProductOutcome.Done(applied > v
                    ? $"stale: version {v:O} is older than {applied:O}, already in the ERP"
                    : $"unchanged: version {v:O} is in the ERP");
                continue;
            }

            writes.Add((i, record));
        }

        IReadOnlyList<ProductWriteResult> results;
        try
        {
            results = await erp.UpsertProductsAsync(
                [.. writes.Select(w => new ProductWrite(mapped[w.Index]! with { ErpKey = w.Record.TargetId }, ErpProductMapping.UpsertKey(page.Products[w.Index].EventId)))],
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await state.SaveManyAsync(locked.Values).ConfigureAwait(false); // only releases: nothing changed
            throw;
        }

        for (var w = 0; w < writes.Count; w++)
        {
            var (i, record) = writes[w];
            if (results[w].Error is { } error)
            {
                outcomes[i] = ProductOutcome.Failed(error);
                continue;
            }

            record.TargetId = results[w].ItemKey;
            record.AppliedEventId = page.Products[i].EventId;
            record.AppliedEventTime = mapped[i]!.ModifiedAt;
            outcomes[i] = ProductOutcome.Done(mapped[i]!.ModifiedAt is null
                ? $"upserted product {mapped[i]!.ExternalId} (it has no '{_products.ModifiedAtProperty}')"
                : $"upserted product {mapped[i]!.ExternalId}");
        }

        foreach (var key in await state.SaveManyAsync(locked.Values).ConfigureAwait(false))
        {
            // Only after this page outlived its lock: the write happened, but the record is someone else's now.
            outcomes[newest[key]] = ProductOutcome.Failed(new RecordBusyException($"product {key}: the lock was taken over before the state was saved; retrying"));
        }

        return busy;
    }
}
